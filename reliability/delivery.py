"""What came out versus what went in: lost, duplicates before and after dedupe, conflicting answers."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from workers.publisher import kafka_security
from workers.runtime import Runtime
from workers.settings import Settings


@dataclass(frozen=True)
class OutputRecord:
    """One decoded output with where it was read from."""

    partition: int
    offset: int
    record: dict[str, Any]

    @property
    def upload_event_id(self) -> str:
        """The upload this output answers (EnrichmentEvent names it; stage events embed the upload)."""
        return str(self.record.get("upload_event_id") or self.record["upload"]["event_id"])

    @property
    def processed_at(self) -> float:
        """Epoch seconds when the last stage finished this output (its StageTiming)."""
        last = self.record["timings"][-1]
        started = last["started_at"]  # Avro timestamp-millis decodes to an aware datetime
        started_s = started.timestamp() if hasattr(started, "timestamp") else started / 1000.0
        return float(started_s + last["duration_ms"] / 1000.0)

    def answer(self) -> tuple[Any, ...]:
        """What downstream acts on: the output id, the language and the topics with scores."""
        language = self.record["language"]["language"]
        topics = tuple((t["topic"], t["score"]) for t in self.record["topics"])
        return self.record["event_id"], language, topics


@dataclass(frozen=True)
class DeliveryCount:
    """The delivery guarantee, counted.

    Attributes:
        events_in: inputs produced.
        events_out: output records read, duplicates included.
        lost: inputs with no output at all.
        duplicates_before_dedupe: output records beyond the first per input.
        duplicates_after_dedupe: distinct output event ids beyond one per input (must be 0).
        conflicting: inputs whose outputs disagree on the answer (id, language or topics; must be 0).
        unexpected: outputs answering an input that was not produced.
        lost_ids: the inputs with no output (at most ``LOST_IDS_KEPT``), to trace them.
    """

    events_in: int
    events_out: int
    lost: int
    duplicates_before_dedupe: int
    duplicates_after_dedupe: int
    conflicting: int
    unexpected: int
    lost_ids: tuple[str, ...] = ()

    @property
    def exactly_once_after_dedupe(self) -> bool:
        """True when every input has exactly one answer once duplicates are dropped by event id."""
        return self.lost == 0 and self.duplicates_after_dedupe == 0 and self.conflicting == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


LOST_IDS_KEPT = 50


def count_delivery(input_ids: Iterable[str], outputs: Iterable[OutputRecord]) -> DeliveryCount:
    """Compare outputs against the inputs they answer."""
    wanted = set(input_ids)
    by_input: dict[str, list[OutputRecord]] = defaultdict(list)
    for output in outputs:
        by_input[output.upload_event_id].append(output)
    mine = {k: v for k, v in by_input.items() if k in wanted}
    return DeliveryCount(
        events_in=len(wanted),
        events_out=sum(len(v) for v in mine.values()),
        lost=len(wanted - mine.keys()),
        duplicates_before_dedupe=sum(len(v) - 1 for v in mine.values()),
        duplicates_after_dedupe=sum(len({o.record["event_id"] for o in v}) - 1 for v in mine.values()),
        conflicting=sum(1 for v in mine.values() if len({o.answer() for o in v}) > 1),
        unexpected=sum(len(v) for k, v in by_input.items() if k not in wanted),
        lost_ids=tuple(sorted(wanted - mine.keys())[:LOST_IDS_KEPT]),
    )


def end_offsets(settings: Settings, name: str, timeout_s: float = 10.0) -> int:
    """How many records a topic holds (sum of partition high watermarks): a cheap completion probe.

    ListOffsets(latest) alone under-reports on the embedded Tansu broker after batched produces (8 of
    5,000 records, measured), while a fetch's high watermark is right. ListOffsets is still a safe place to
    fetch from (never past the true end), so one small fetch per partition from there reads the watermark.
    """
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None,
                             enable_auto_commit=False,
                             max_partition_fetch_bytes=1024, **kafka_security(settings))
    try:
        topic = settings.topic(name)
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return 0
        consumer.assign(partitions)
        listed = consumer.end_offsets(partitions)
        for partition in partitions:
            consumer.seek(partition, listed[partition])
        deadline = time.monotonic() + timeout_s
        while any(consumer.highwater(p) is None for p in partitions) and time.monotonic() < deadline:
            consumer.poll(timeout_ms=100, max_records=1)
        return sum(max(consumer.highwater(p) or 0, listed[p]) for p in partitions)
    finally:
        consumer.close()


def wait_for_count(settings: Settings, name: str, want: int, timeout_s: float, poll_s: float = 0.5) -> int:
    """Poll end offsets until ``name`` holds at least ``want`` records or ``timeout_s`` passes."""
    deadline, have = time.monotonic() + timeout_s, 0
    while time.monotonic() < deadline:
        have = end_offsets(settings, name)
        if have >= want:
            break
        time.sleep(poll_s)
    return have


def read_outputs(settings: Settings, name: str, idle_s: float = 3.0) -> list[OutputRecord]:
    """Every record of ``name`` from the start, decoded; stops after ``idle_s`` without new records."""
    runtime = Runtime.create(settings)
    schema = runtime.catalog[name].value_schema
    consumer = KafkaConsumer(
        settings.topic(name),
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(idle_s * 1000),
        **kafka_security(settings),
    )
    try:
        return [OutputRecord(m.partition, m.offset, runtime.serde.decode(schema, m.value)) for m in consumer]
    finally:
        consumer.close()


TABLE_FIELDS = ("events_in", "events_out", "lost", "duplicates_before_dedupe", "duplicates_after_dedupe",
                "conflicting")


def table_cells(counts: Any) -> list[Any]:
    """The fault-table columns of a DeliveryCount or of its stored JSON dict, in table order."""
    return [counts[f] if isinstance(counts, dict) else getattr(counts, f) for f in TABLE_FIELDS]
