"""Stream benchmark plumbing: fresh topics per run, worker subprocesses, bulk produce and read-back.

Each measurement gets its own ``TOPIC_PREFIX`` and ``APP_ID``, so runs never see each other's records or
offsets. Topic partition counts come from a copy of topics.yaml in a scratch contracts directory
(``CONTRACTS_DIR``), with the repository's schemas linked in, so the catalog is overridden, not edited.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess  # noqa: S404 - starts this package's own worker modules with sys.executable, no shell
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from workers.broker import EmbeddedBroker, free_port
from workers.runtime import Runtime
from workers.settings import REPO_ROOT, Settings
from workers.stages import LIGHT_GROUP, STAGE_IDS

LIGHT_STAGES = LIGHT_GROUP
ALL_STAGES = STAGE_IDS


@dataclass(frozen=True)
class Record:
    """One record read back: its broker timestamp (ms, stamped by the producing process) and value."""

    timestamp_ms: int
    value: bytes
    key: bytes | None = None


def contracts_dir(scratch: Path, partitions: int) -> Path:
    """A contracts directory whose pipeline topics all have ``partitions`` partitions."""
    target = scratch / f"contracts-p{partitions}"
    if not target.exists():
        target.mkdir(parents=True)
        raw = yaml.safe_load((REPO_ROOT / "topics.yaml").read_text("utf-8"))
        for name, spec in raw["topics"].items():
            if name != "fides.creators":  # the compacted registry stays at one partition
                spec["partitions"] = partitions
        (target / "topics.yaml").write_text(yaml.safe_dump(raw), "utf-8")
        (target / "schemas").symlink_to(REPO_ROOT / "schemas")
    return target


def fresh_settings(bootstrap: str, scratch: Path, partitions: int, label: str, **overrides: Any) -> Settings:
    """Settings with a new topic prefix, group, data dir and web port; topics created on the broker."""
    run = f"{label}-{uuid.uuid4().hex[:6]}"
    settings = Settings.from_env(
        {}, kafka_bootstrap_servers=bootstrap, topic_prefix=f"b{run}.", app_id=f"bench-{run}",
        data_dir=scratch / "data" / run, web_port=free_port(), replication_factor=1,
        contracts_dir=contracts_dir(scratch, partitions), log_level="WARNING", **overrides,
    )
    create_topics(settings)
    return settings


@contextlib.contextmanager
def on_fresh_broker(scratch: Path, partitions: int, label: str, **overrides: Any) -> Iterator[Settings]:
    """``fresh_settings`` on an embedded broker started for this one measurement, stopped after it.

    The embedded broker's cost per request grows with the records it holds: one worker under the same
    20 s of 200 uploads/s, with a 6,000-upload drain between rounds, saw the broker's CPU go 7 → 15 → 19 →
    32 s while its own stayed ~16 s, and its p99 134 → 504 → 1,252 → 7,416 ms. On two shared cores every
    measurement after another on one broker was slower, so none shares a broker."""
    log = scratch / "brokers" / f"{label}-{uuid.uuid4().hex[:6]}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with EmbeddedBroker(port=free_port(), log_path=log) as broker:
        yield fresh_settings(broker.bootstrap_servers, scratch, partitions, label, **overrides)


def create_topics(settings: Settings) -> None:
    """Create the catalog's topics under the settings' prefix (every name is new, so no reconciling)."""
    catalog = Runtime.create(settings).catalog
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    try:
        admin.create_topics([NewTopic(settings.topic(spec.name), spec.partitions, 1, topic_configs=dict(spec.config))
                             for spec in catalog])
    finally:
        admin.close()


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment variables that reproduce ``settings`` in a subprocess (without our PYTHONPATH)."""
    return settings.to_env({k: v for k, v in os.environ.items() if k != "PYTHONPATH"}) | extra


def start_process(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``python <argv>`` from the repository root with its output in ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, *argv], env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                cwd=REPO_ROOT)


def cpu_seconds(proc: subprocess.Popen[bytes]) -> float:
    """User + system CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_ready(ports: Iterable[int], procs: Iterable[subprocess.Popen[bytes]], timeout_s: float) -> None:
    """Wait until every worker's /readyz says ready at the same time (partitions assigned, no rebalance)."""
    ports, procs = list(ports), list(procs)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker exited before it was ready; see its log")
        states = await asyncio.gather(*(asyncio.to_thread(_ready, port) for port in ports))
        if all(states):
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"workers not ready within {timeout_s:.0f} s")


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:  # noqa: S310
            return bool(json.loads(response.read()).get("ready"))
    except OSError:
        return False


def stop_processes(procs: Iterable[subprocess.Popen[bytes]], timeout_s: float = 20.0) -> None:
    """SIGTERM each process we started, then SIGKILL whatever is still running after ``timeout_s``."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes, bytes]]) -> None:
    """Send ``(key, value)`` pairs as fast as the producer batches them, then wait for every ack."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, key=key, value=value) for key, value in messages]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@dataclass
class Collected:
    """Records read back, and the processes' CPU seconds when the first and the last output arrived."""

    records: list[Record]
    cpu_first_s: float = 0.0
    cpu_last_s: float = 0.0

    def cpu_per_event_ms(self) -> float | None:
        """CPU milliseconds per output between the first and the last output (start-up excluded)."""
        return 1000 * (self.cpu_last_s - self.cpu_first_s) / (len(self.records) - 1) if len(self.records) > 1 else None


def _cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    return sum(cpu_seconds(p) for p in procs if p.poll() is None)


async def collect(bootstrap: str, topic: str, expected: int, timeout_s: float,
                  procs: Iterable[subprocess.Popen[bytes]] = (), stall_s: float = 90.0) -> Collected:
    """Read ``topic`` from the start until ``expected`` records arrived, ``timeout_s`` passed, a process
    died or nothing new arrived for ``stall_s``. Records are counted by reading them: the embedded broker's
    end offsets count batches, not records."""
    procs = list(procs)
    last_progress = time.monotonic()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                fetch_max_wait_ms=100)
    await consumer.start()
    got = Collected([])
    deadline = time.monotonic() + timeout_s
    try:
        consumer.assign(await _partitions(consumer, topic))
        await consumer.seek_to_beginning()
        while len(got.records) < expected and time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs) or time.monotonic() - last_progress > stall_s:
                break
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            if batches and not got.records:
                got.cpu_first_s = _cpu(procs)
            got.records += [Record(m.timestamp, m.value, m.key) for batch in batches.values() for m in batch]
            if batches:
                last_progress = time.monotonic()
        got.cpu_last_s = _cpu(procs)
    finally:
        await consumer.stop()
    return got


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(50):
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        await consumer.force_metadata_update()  # type: ignore[attr-defined]
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions")


class Watcher:
    """Reads a topic from the start in the background; what arrived accumulates in ``records``."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                          fetch_max_wait_ms=20)
        self._topic = topic
        self._task: asyncio.Task[None] | None = None
        self.records: list[Record] = []

    async def start(self) -> Watcher:
        """Assign every partition from the beginning and start reading."""
        await self._consumer.start()
        self._consumer.assign(await _partitions(self._consumer, self._topic))
        await self._consumer.seek_to_beginning()
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100, max_records=10_000)
            self.records += [Record(m.timestamp, m.value, m.key) for b in batches.values() for m in b]

    async def wait_for_keys(self, keys: set[bytes], timeout_s: float) -> bool:
        """Wait until a record arrived for every key in ``keys``; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if keys <= {r.key for r in self.records}:
                return True
            await asyncio.sleep(0.25)
        return False

    async def stop(self) -> None:
        """Stop reading and close the consumer."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()
