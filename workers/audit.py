"""Completeness audit: every upload on uploads.new has a terminal answer, or it is named.

    python -m workers audit [--since T] [--until T] [--grace S]

A terminal answer is an EnrichmentEvent on content.enriched for the upload's event id, or a DeadLetter on
pipeline.dlq that names the upload's event id or its uploads.new partition and offset (an undecodable
upload has no id to name). An upload younger than the grace period is still in flight and not reported.
Exit 1 when any upload older than the grace period has no answer: an operator starts from its video id,
event id, partition and offset (docs/delivery.md, runbook).

``audit`` is the pure core; ``read_pipeline`` reads the three topics; ``run_audit_command`` is the CLI.
With ``--every S --metrics-port P`` it audits every S seconds and serves the result on /metrics
(``AuditMetrics``), for the alerts in deploy/prometheus/audit_alerts.yml.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, start_http_server

from workers.jsonl import to_json
from workers.settings import Settings

TERMINAL_TOPICS = ("content.enriched", "pipeline.dlq")


@dataclass(frozen=True)
class UploadSeen:
    """One record of uploads.new, where it is and when it was published (Kafka timestamp, ms)."""

    partition: int
    offset: int
    published_ms: int
    event_id: str | None  # None: undecodable
    video_id: str | None


@dataclass(frozen=True)
class Answers:
    """What the terminal topics say was answered."""

    event_ids: frozenset[str] = frozenset()
    dead_lettered_at: frozenset[tuple[int, int]] = frozenset()  # uploads.new (partition, offset)


@dataclass(frozen=True)
class Unanswered:
    """An upload past the grace period with no terminal answer."""

    video_id: str | None
    event_id: str | None
    partition: int
    offset: int
    age_s: float


@dataclass(frozen=True)
class AuditReport:
    """The audit of one time window.

    Attributes:
        uploads: uploads.new records published in the window.
        answered: of those, with a terminal answer.
        in_grace: unanswered but younger than the grace period (in flight).
        unanswered: unanswered and older than the grace period, oldest first.
    """

    uploads: int
    answered: int
    in_grace: int
    unanswered: tuple[Unanswered, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """True when no upload past the grace period is unanswered."""
        return not self.unanswered

    def summary(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {"uploads": self.uploads, "answered": self.answered, "in_grace": self.in_grace,
                "unanswered": len(self.unanswered), "complete": self.complete}


def audit(uploads: Iterable[UploadSeen], answers: Answers, now_ms: int, grace_s: float,
          since_ms: int | None = None, until_ms: int | None = None) -> AuditReport:
    """Which uploads published in [since, until) have no terminal answer ``grace_s`` after publication."""
    total = answered = in_grace = 0
    missing: list[Unanswered] = []
    for upload in uploads:
        if (since_ms is not None and upload.published_ms < since_ms) or \
                (until_ms is not None and upload.published_ms >= until_ms):
            continue
        total += 1
        if (upload.event_id and upload.event_id in answers.event_ids) or \
                (upload.partition, upload.offset) in answers.dead_lettered_at:
            answered += 1
            continue
        age_s = (now_ms - upload.published_ms) / 1000.0
        if age_s < grace_s:
            in_grace += 1
            continue
        missing.append(Unanswered(upload.video_id, upload.event_id, upload.partition, upload.offset, round(age_s, 1)))
    missing.sort(key=lambda u: -u.age_s)
    return AuditReport(total, answered, in_grace, tuple(missing))


def read_pipeline(settings: Settings, idle_s: float) -> tuple[list[UploadSeen], Answers]:
    """Read uploads.new and the terminal topics from their start (each until ``idle_s`` without records)."""
    from workers.tail import decoded_records

    uploads = []
    for _, record, message in decoded_records(settings, ["uploads.new"], timeout_s=idle_s):
        ok = bool(record) and "undecodable" not in record  # type: ignore[operator]
        uploads.append(UploadSeen(message.partition, message.offset, int(message.timestamp),
                                  str(record["event_id"]) if ok else None,  # type: ignore[index]
                                  str(record["video_id"]) if ok else None))  # type: ignore[index]
    event_ids: set[str] = set()
    coordinates: set[tuple[int, int]] = set()
    source = settings.topic("uploads.new")
    for name, record, _ in decoded_records(settings, list(TERMINAL_TOPICS), timeout_s=idle_s):
        if not record or "undecodable" in record:
            continue
        upload_id = record.get("upload_event_id")
        if upload_id:
            event_ids.add(str(upload_id))
        if name == "pipeline.dlq" and record.get("source_topic") == source:
            coordinates.add((int(record["source_partition"]), int(record["source_offset"])))
    return uploads, Answers(frozenset(event_ids), frozenset(coordinates))


@dataclass(frozen=True)
class AuditMetrics:
    """What the auditor exposes on /metrics (its own registry: it is not a worker)."""

    registry: CollectorRegistry
    uploads: Gauge
    unanswered: Gauge
    in_grace: Gauge
    last_success: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AuditMetrics:
        """Register the audit gauges on ``registry``."""
        return cls(
            registry,
            Gauge("fides_audit_uploads", "Uploads on uploads.new in the last audit's window.", registry=registry),
            Gauge("fides_audit_unanswered_uploads",
                  "Uploads past the grace period with no enrichment and no dead letter (last audit).",
                  registry=registry),
            Gauge("fides_audit_in_grace_uploads", "Uploads still within the grace period (last audit).",
                  registry=registry),
            Gauge("fides_audit_last_success_timestamp_seconds", "When the last audit finished (epoch s).",
                  registry=registry),
        )

    def record(self, report: AuditReport, finished_at: float) -> None:
        """Publish one audit's result."""
        self.uploads.set(report.uploads)
        self.unanswered.set(len(report.unanswered))
        self.in_grace.set(report.in_grace)
        self.last_success.set(finished_at)


def _window(args: argparse.Namespace) -> tuple[int | None, int | None]:
    from workers.dlq import parse_time

    since, until = parse_time(args.since), parse_time(args.until)
    return (int(since.timestamp() * 1000) if since else None, int(until.timestamp() * 1000) if until else None)


def _audit_once(settings: Settings, args: argparse.Namespace) -> AuditReport:
    since_ms, until_ms = _window(args)
    uploads, answers = read_pipeline(settings, args.timeout)
    report = audit(uploads, answers, int(time.time() * 1000), args.grace, since_ms, until_ms)
    print(to_json({"audit": report.summary(), "grace_s": args.grace}), flush=True)
    for item in report.unanswered[: args.show]:
        print(to_json({"unanswered": asdict(item)}), flush=True)
    return report


def run_audit_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print a JSON summary line, then one JSON line per unanswered upload (at most ``--show``); exit 1 if
    any. With ``--every``: audit forever, serving the result on ``--metrics-port``."""
    if not args.every:
        return 0 if _audit_once(settings, args).complete else 1
    metrics = AuditMetrics.create(CollectorRegistry())
    start_http_server(args.metrics_port, registry=metrics.registry)
    while True:
        metrics.record(_audit_once(settings, args), time.time())
        time.sleep(args.every)


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``audit`` command's options."""
    parser.add_argument("--since", help="ISO time or epoch ms: only uploads published at/after this")
    parser.add_argument("--until", help="ISO time or epoch ms: only uploads published before this")
    parser.add_argument("--grace", type=float, default=600.0,
                        help="seconds an upload may take before it counts as unanswered (default 600)")
    parser.add_argument("--show", type=int, default=100, help="print at most N unanswered uploads")
    parser.add_argument("--timeout", type=float, default=5.0, help="stop reading a topic after N idle seconds")
    parser.add_argument("--every", type=float, default=0.0,
                        help="audit every N seconds forever, serving the result on --metrics-port")
    parser.add_argument("--metrics-port", type=int, default=9108, help="port of /metrics with --every")
