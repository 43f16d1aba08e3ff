"""End-to-end latency of text-only uploads (uploads.new → content.enriched) at 25 / 50 / 75 % of capacity.

One worker runs every stage (transcribe with ``audio_uri = None``, language, tag, route, registry).
Capacity is the steady output rate while it drains a backlog; then an open-loop producer sends uploads at
a fixed pace per load level, whatever the pipeline does, so queueing shows up in the tail. Latency per
upload = the content.enriched record's broker timestamp (stamped by the worker when it sends) minus the
upload's send time (``uploaded_at``, set by the producer at the moment it sends); one clock, one machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess  # noqa: S404 - only for the Popen type of our own worker process
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from bench import harness
from bench.breakdown import decompose, median_parts
from bench.light import Launch, publish_creators, worker_launches
from bench.stats import LatencySummary, paced_send_times, steady_rate, summarize_latencies
from workers.runtime import Runtime
from workers.settings import Settings

LEVELS = (0.25, 0.50, 0.75)


@dataclass(frozen=True)
class LatencyLevel:
    """Latency at one offered load."""

    load_fraction: float
    offered_per_s: float
    sent: int
    received: int
    latency: LatencySummary | None
    worker_cpu_ms_per_upload: float  # the worker's CPU from the first send to the last output, per upload
    median_parts_ms: dict[str, float]  # where the time goes: hop waits and stage work (see breakdown)


class Uploads:
    """Encodes text-only UploadEvents, stamping ``uploaded_at`` at the moment of sending."""

    def __init__(self, settings: Settings, uploads: list[dict[str, Any]]) -> None:
        self._runtime = Runtime.create(settings)
        self._schema = self._runtime.catalog["uploads.new"].value_schema
        self._topic = settings.topic("uploads.new")
        self._pending = iter(uploads)
        self.sent_at: dict[bytes, int] = {}

    def next(self) -> tuple[bytes, bytes]:
        """The next upload as (key, framed Avro value), stamped now."""
        upload = dict(next(self._pending), uploaded_at=int(time.time() * 1000))
        key = upload["video_id"].encode()
        self.sent_at[key] = upload["uploaded_at"]
        return key, self._runtime.serde.encode(self._schema, upload, topic=self._topic)


async def paced(bootstrap: str, topic: str, uploads: Uploads, rate: float, duration_s: float) -> int:
    """Send at ``rate`` per second for ``duration_s`` (open loop: never waits for the pipeline)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=0)
    await producer.start()
    start, sent = time.monotonic(), 0
    try:
        for offset in paced_send_times(rate, duration_s):
            delay = start + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            key, value = uploads.next()
            await producer.send(topic, key=key, value=value)
            sent += 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def latencies_ms(records: list[harness.Record], sent_at: dict[bytes, int]) -> list[float]:
    """Output timestamp minus send time, for the outputs of uploads in ``sent_at``."""
    return [float(r.timestamp_ms - sent_at[r.key]) for r in records if r.key in sent_at]


async def _level(settings: Settings, worker: WatchedWorker, uploads: list[dict[str, Any]],
                 fraction: float, capacity: float, duration_s: float) -> LatencyLevel:
    source, watcher = Uploads(settings, uploads), worker.watcher
    rate = capacity * fraction
    cpu_before = harness.cpu_seconds(worker.process)
    sent = await paced(settings.kafka.bootstrap_servers, settings.topic("uploads.new"), source, rate, duration_s)
    await watcher.wait_for_keys(set(source.sent_at), timeout_s=60)
    cpu_ms = 1000 * (harness.cpu_seconds(worker.process) - cpu_before) / max(sent, 1)
    values = latencies_ms(watcher.records, source.sent_at)
    summary = summarize_latencies(values) if values else None
    parts = median_parts(decompose(decoded, r.timestamp_ms) for r, decoded in decode_outputs(
        settings, [r for r in watcher.records if r.key in source.sent_at]))
    print(f"  latency at {fraction:.0%} ({rate:.1f}/s): {len(values)}/{sent} p99 "
          f"{summary.p99_ms if summary else float('nan'):.0f} ms, worker {cpu_ms:.2f} CPU ms/upload", file=sys.stderr)
    return LatencyLevel(fraction, rate, sent, len(values), summary, cpu_ms, parts)


def decode_outputs(settings: Settings, records: list[harness.Record]) -> list[tuple[harness.Record, dict[str, Any]]]:
    """content.enriched records with their decoded EnrichmentEvent."""
    runtime = Runtime.create(settings)
    schema = runtime.catalog["content.enriched"].value_schema
    return [(r, runtime.serde.decode(schema, r.value)) for r in records]


async def _capacity(settings: Settings, worker: WatchedWorker, uploads: list[dict[str, Any]]) -> tuple[float, float]:
    """Steady output rate while the worker drains ``uploads`` sent all at once, and the worker's CPU ms
    per upload over the drain."""
    source, watcher = Uploads(settings, uploads), worker.watcher
    cpu_before = harness.cpu_seconds(worker.process)
    await harness.produce(settings.kafka.bootstrap_servers, settings.topic("uploads.new"),
                          [source.next() for _ in uploads])
    if not await watcher.wait_for_keys(set(source.sent_at), timeout_s=300):
        raise RuntimeError("the worker did not drain the capacity backlog within 300 s")
    cpu_ms = 1000 * (harness.cpu_seconds(worker.process) - cpu_before) / len(uploads)
    keys = set(source.sent_at)
    return steady_rate([r.timestamp_ms for r in watcher.records if r.key in keys]), cpu_ms


async def run_latency(scratch: Path, uploads: list[dict[str, Any]], capacity_events: int, duration_s: float,
                      logs: Path) -> dict[str, Any]:
    """Capacity of a worker running every stage, then latency at each load level; the capacity drain and
    every level each on a fresh broker with a fresh worker (see ``harness.on_fresh_broker``)."""
    with harness.on_fresh_broker(scratch, 8, "latency-capacity") as settings:
        async with watched_worker(settings, logs, "capacity") as worker:
            capacity, drain_cpu_ms = await _capacity(settings, worker, uploads[:capacity_events])
    print(f"  text-only capacity, all stages, 1 process: {capacity:.0f} uploads/s, worker {drain_cpu_ms:.2f} CPU "
          "ms/upload", file=sys.stderr)
    levels, cursor = [], capacity_events
    for fraction in LEVELS:
        count = int(capacity * fraction * duration_s) + 1
        batch = fresh_uploads(uploads, cursor, count, f"l{int(fraction * 100)}")
        with harness.on_fresh_broker(scratch, 8, f"latency-{int(fraction * 100)}") as settings:
            async with watched_worker(settings, logs, f"latency-{int(fraction * 100)}") as worker:
                levels.append(await _level(settings, worker, batch, fraction, capacity, duration_s))
        cursor += count
    return {"capacity_per_s": capacity, "capacity_worker_cpu_ms_per_upload": drain_cpu_ms,
            "capacity_events": capacity_events, "duration_s": duration_s, "levels": [asdict(level) for level in levels]}


async def measure_capacity(settings: Settings, uploads: list[dict[str, Any]], logs: Path,
                           stages: tuple[str, ...] = harness.ALL_STAGES,
                           out_topic: str = "content.enriched") -> float:
    """Only the drain capacity of one worker running ``stages``, read on ``out_topic`` (side by sides)."""
    async with watched_worker(settings, logs, "capacity", stages, out_topic) as worker:
        return (await _capacity(settings, worker, uploads))[0]


@dataclass(frozen=True)
class WatchedWorker:
    """One ready worker process and a watcher on its output topic."""

    process: subprocess.Popen[bytes]
    watcher: harness.Watcher


@contextlib.asynccontextmanager
async def watched_worker(settings: Settings, logs: Path, name: str,
                         stages: tuple[str, ...] = harness.ALL_STAGES,
                         out_topic: str = "content.enriched") -> AsyncIterator[WatchedWorker]:
    """Creators published, a watcher on ``out_topic`` and one ready worker running ``stages``; both
    stopped on exit."""
    await publish_creators(settings)
    watcher = await harness.Watcher(settings.kafka.bootstrap_servers, settings.topic(out_topic)).start()
    launch: Launch = worker_launches(settings, stages, 1)[0]
    proc = harness.start_process(*launch, logs / f"{settings.kafka.app_id}-{name}.log")
    try:
        await harness.wait_ready([int(launch[1]["WEB_PORT"])], [proc], 300)
        yield WatchedWorker(proc, watcher)
    finally:
        harness.stop_processes([proc])
        await watcher.stop()


def fresh_uploads(uploads: list[dict[str, Any]], start: int, count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` uploads from ``start`` on, cycling through the list, each under ids no other batch uses."""
    return [replace_ids(uploads[(start + i) % len(uploads)], f"{tag}-{(start + i) // len(uploads)}")
            for i in range(count)]


def replace_ids(upload: dict[str, Any], tag: str) -> dict[str, Any]:
    """The same upload under new ids (load levels must not share keys)."""
    return dict(upload, event_id=f"{upload['event_id']}-{tag}", video_id=f"{upload['video_id']}-{tag}")
