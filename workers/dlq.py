"""Operators' dead-letter tools: ``dlq inspect`` (counts by stage/reason, records) and ``dlq replay``.

Replay re-publishes the original key and bytes to the source topic, dry-run unless ``--execute``. Output
ids are deterministic, so a replayed event that had partly succeeded yields duplicates of the same
answer (dropped downstream by event_id), never a second distinct answer.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workers.jsonl import to_json
from workers.settings import Settings


@dataclass(frozen=True)
class DlqFilter:
    """Which dead letters an operator means."""

    stage: str | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, record: dict[str, Any]) -> bool:
        """True when ``record`` passes every given criterion."""
        failed_at = record["failed_at"]
        return ((self.stage is None or record["stage"] == self.stage)
                and (self.reason is None or record["reason"] == self.reason)
                and (self.since is None or failed_at >= self.since)
                and (self.until is None or failed_at < self.until))


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 or epoch milliseconds → aware datetime."""
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def summarize(records: Iterable[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Counts by (stage, reason)."""
    return Counter((r["stage"], r["reason"]) for r in records)


def read_dead_letters(settings: Settings, selector: DlqFilter, idle_timeout_s: float) -> Iterator[dict[str, Any]]:
    """Matching DeadLetter records from the start of pipeline.dlq."""
    from workers.tail import decoded_records

    for _, record, _ in decoded_records(settings, ["pipeline.dlq"], timeout_s=idle_timeout_s):
        if record and "undecodable" not in record and selector.matches(record):
            yield record


def replay(settings: Settings, records: list[dict[str, Any]], execute: bool) -> int:
    """Re-publish each record's original bytes to its source topic; returns how many (would be) sent."""
    if not execute:
        return len(records)
    from kafka import KafkaProducer

    from workers.publisher import kafka_security

    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all", **kafka_security(settings))
    try:
        for record in records:
            producer.send(record["source_topic"], key=record["original_key"], value=record["original_value"])
        producer.flush()
    finally:
        producer.close()
    return len(records)


def run_dlq_command(settings: Settings, args: argparse.Namespace) -> int:
    """``dlq inspect`` / ``dlq replay`` as parsed by the CLI."""
    selector = DlqFilter(args.stage, args.reason, parse_time(args.since), parse_time(args.until))
    records = list(read_dead_letters(settings, selector, args.timeout))
    for (stage, reason), count in sorted(summarize(records).items()):
        print(f"{count:8}  stage={stage:10} reason={reason}")
    print(f"{len(records):8}  total matching")
    if args.action == "inspect":
        for record in records[: args.show]:
            print(to_json(record))
        return 0
    sent = replay(settings, records, args.execute)
    verb = "re-published" if args.execute else "would re-publish (dry run; add --execute)"
    print(f"{verb} {sent} record(s) to their source topics")
    return 0
