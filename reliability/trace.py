"""Where each upload went: every record of a run's topics, by upload, written beside a losing run's logs.

A lost upload is diagnosed from the hop where its trail stops (which topic, partition and offset it was
last seen at) and the workers' logs around the time that partition moved. The embedded broker keeps its
data in memory, so this must run before the broker of the run stops.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from workers.publisher import kafka_security
from workers.runtime import Runtime
from workers.settings import Settings


def upload_of(record: Any) -> str | None:
    """The upload a decoded record answers or carries (enrichment, stage event or dead letter)."""
    if not isinstance(record, dict):
        return None
    if record.get("upload_event_id"):
        return str(record["upload_event_id"])
    upload = record.get("upload")
    if isinstance(upload, dict) and upload.get("event_id"):
        return str(upload["event_id"])
    return None


def read_trail(settings: Settings, names: Iterable[str], idle_s: float = 2.0) -> list[dict[str, Any]]:
    """Every record of ``names`` from the start: topic, partition, offset, timestamp and its upload."""
    runtime = Runtime.create(settings)
    rows: list[dict[str, Any]] = []
    for name in names:
        schema = runtime.catalog[name].value_schema
        consumer = KafkaConsumer(settings.topic(name), bootstrap_servers=settings.kafka.bootstrap_servers,
                                 group_id=None,
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 consumer_timeout_ms=int(idle_s * 1000), **kafka_security(settings))
        try:
            for message in consumer:
                try:
                    upload = upload_of(runtime.serde.decode(schema, message.value))
                except Exception:  # a record that does not decode is still a record at that offset
                    upload = None
                rows.append({"topic": name, "partition": message.partition, "offset": message.offset,
                             "timestamp_ms": message.timestamp, "upload": upload})
        finally:
            consumer.close()
    return rows


def committed_offsets(settings: Settings, names: Iterable[str]) -> dict[str, int | None]:
    """The group's committed offset per ``topic/partition`` (read without joining the group). Set beside
    the records it tells the two kinds of loss apart: a commit past an unanswered input (committed at the
    partition's end) or an input held unfinished and never re-read (committed stuck at its offset)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=settings.kafka.app_id,
                             enable_auto_commit=False, **kafka_security(settings))
    try:
        out: dict[str, int | None] = {}
        for name in names:
            topic = settings.topic(name)
            for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                out[f"{name}/{partition}"] = consumer.committed(TopicPartition(topic, partition))
        return out
    finally:
        consumer.close()


def lost_trail(rows: list[dict[str, Any]], lost: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Per lost upload, every record that names it, in topic then offset order."""
    wanted = set(lost)
    trail: dict[str, list[dict[str, Any]]] = {upload: [] for upload in sorted(wanted)}
    for row in rows:
        if row["upload"] in wanted:
            trail[row["upload"]].append(row)
    return trail


def write_trace(settings: Settings, names: Iterable[str], lost: Iterable[str], path: Path) -> Path:
    """Write the lost uploads' trails and every record's coordinates to ``path`` (JSON)."""
    names = list(names)
    rows = read_trail(settings, names)
    committed = committed_offsets(settings, names)
    path.write_text(json.dumps({"lost": lost_trail(rows, lost), "committed": committed, "records": rows},
                               indent=1, default=str))
    return path
