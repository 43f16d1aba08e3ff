"""Light-stage path throughput (language + tag + route + Avro + Kafka) next to the reference passthroughs.

Every run: fresh topics, N pre-built TranscriptEvents (no audio, multilingual captions) produced into
uploads.transcribed *before* the process starts, then the process drains them into content.enriched.
The rate is taken from the output records' broker timestamps (stamped by the producing process) over
the middle 80 % of outputs, so start-up and consumer-group join are excluded and all runs compare alike.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import harness
from bench.events import fides_creators, transcript_event
from bench.stats import steady_rate
from workers.runtime import Runtime
from workers.settings import Settings

FAUST_CHAIN = ("uploads.transcribed", "uploads.language", "uploads.tagged", "content.enriched")


@dataclass(frozen=True)
class StreamRun:
    """One drained backlog: how fast the process(es) turned N inputs into N outputs."""

    label: str
    events: int
    outputs: int
    processes: int
    partitions: int
    events_per_s: float | None  # steady state, from output timestamps; None when incomplete
    drain_s: float  # last output seen, from process start (passthroughs) or from all workers ready
    cpu_ms_per_event: float | None  # process CPU between first and last output, per output
    events_per_cpu_s: float | None  # the per-core throughput the capacity model uses (noise-robust)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def encode_inputs(settings: Settings, uploads: list[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """Framed Avro TranscriptEvents keyed by video_id (the transcribe stage's output for text-only uploads)."""
    runtime = Runtime.create(settings)
    schema, topic = runtime.catalog["uploads.transcribed"].value_schema, settings.topic("uploads.transcribed")
    return [(u["video_id"].encode(), runtime.serde.encode(schema, transcript_event(u), topic=topic))
            for u in uploads]


async def publish_creators(settings: Settings) -> None:
    """The benchmark's Fides creators into fides.creators, so route lookups find some."""
    runtime = Runtime.create(settings)
    schema = runtime.catalog["fides.creators"].value_schema
    messages = [(c["creator_id"].encode(), runtime.serde.encode(schema, c)) for c in fides_creators()]
    await harness.produce(settings.kafka.bootstrap_servers, settings.topic("fides.creators"), messages)


Launch = tuple[list[str], dict[str, str]]  # argv after the interpreter, environment


async def drain(label: str, settings: Settings, inputs: list[tuple[bytes, bytes]], launches: list[Launch],
                logs: Path, timeout_s: float, partitions: int) -> StreamRun:
    """Preload ``inputs``, start one process per launch (workers or a passthrough), time the drain."""
    bootstrap, target = settings.kafka.bootstrap_servers, settings.topic("content.enriched")
    web_ports = [int(env["WEB_PORT"]) for argv, env in launches if argv[1] in WORKER_MODULES]
    if not web_ports:  # passthroughs have no readiness endpoint: they start on a preloaded backlog
        await harness.produce(bootstrap, settings.topic("uploads.transcribed"), inputs)
    started = time.monotonic()
    procs = [harness.start_process(argv, env, logs / f"{settings.kafka.app_id}-{i}.log")
             for i, (argv, env) in enumerate(launches)]
    try:
        if web_ports:  # workers: every process joined and assigned before the backlog lands
            await harness.wait_ready(web_ports, procs, timeout_s)
            started = time.monotonic()
            await harness.produce(bootstrap, settings.topic("uploads.transcribed"), inputs)
        got = await harness.collect(bootstrap, target, len(inputs), timeout_s, procs)
        drain_s = time.monotonic() - started
    finally:
        harness.stop_processes(procs)
    seen, cpu_ms = len(got.records), got.cpu_per_event_ms()
    rate = steady_rate([r.timestamp_ms for r in got.records]) if seen >= len(inputs) else None
    print(f"  {label}: {seen}/{len(inputs)} outputs, {rate or 0:.0f} ev/s steady, drain {drain_s:.1f} s, "
          f"{cpu_ms or 0:.3f} CPU ms/event", file=sys.stderr)
    return StreamRun(label, len(inputs), seen, len(launches), partitions, rate, drain_s, cpu_ms,
                     1000 / cpu_ms if cpu_ms else None)


WORKER_MODULES = ("workers", "bench.floor_worker")  # processes with a readiness endpoint


def worker_launches(settings: Settings, stages: tuple[str, ...], processes: int,
                    module: str = "workers") -> list[Launch]:
    """Worker processes of one group running ``stages``, each with its own web port and data dir."""
    launches = []
    for i in range(processes):
        mine = settings.with_overrides(stages=stages, web_port=harness.free_port(),
                                       data_dir=Path(settings.worker.data_dir) / f"w{i}")
        Path(mine.worker.data_dir).parent.mkdir(parents=True, exist_ok=True)
        launches.append((["-m", module, "worker"], harness.settings_env(mine)))
    return launches


# The light path with language and tag answered from a table (bench.floor_worker).
FLOOR_LABEL = "light path, language + tag cost nothing (floor)"

# The light path as it ran before one-hop fusion and batched acks: the in-run "before" of the speedups.
UNFUSED = {"fuse_light_stages": False, "stage_batch_size": 1}


async def light_path(settings: Settings, inputs: list[tuple[bytes, bytes]], processes: int, logs: Path,
                     timeout_s: float, partitions: int, label: str = "light path",
                     module: str = "workers") -> StreamRun:
    """language + tag + route (+ registry) workers of one group draining the backlog."""
    await publish_creators(settings)
    launches = worker_launches(settings, harness.LIGHT_STAGES, processes, module)
    return await drain(label, settings, inputs, launches, logs, timeout_s, partitions)


def passthrough_argv(kind: str, settings: Settings, topics: tuple[str, ...], partitions: int) -> list[str]:
    """argv of a reference passthrough over the physical names of ``topics``."""
    physical = ",".join(settings.topic(t) for t in topics)
    return ["-m", "bench.passthrough", kind, "--bootstrap", settings.kafka.bootstrap_servers,
            "--group", settings.kafka.app_id, "--topics", physical, "--partitions", str(partitions),
            "--datadir", str(settings.worker.data_dir)]


def run_side_by_side(scratch: Path, passthrough_inputs: Any, light_inputs: Any, timeout_s: float,
                     partitions: int = 8) -> list[StreamRun]:
    """aiokafka passthrough, bare Faust (1 hop, 1 hop batched, a 3-hop chain), then the light path as
    configured, as it was (three hops, one event at a time) and with free language + tag cores (the
    framework's floor); one process each, each on its own fresh broker.

    ``*_inputs(settings)`` return the encoded backlog for a run's fresh topics."""
    runs = []
    for label, kind, topics in (("raw aiokafka passthrough", "aiokafka", FAUST_CHAIN[::3]),
                                ("bare Faust passthrough (1 hop)", "faust", FAUST_CHAIN[::3]),
                                ("bare Faust passthrough (1 hop, take_events batches)", "faust-batched",
                                 FAUST_CHAIN[::3]),
                                ("bare Faust chain (3 hops)", "faust", FAUST_CHAIN)):
        with harness.on_fresh_broker(scratch, partitions, kind) as settings:
            launch = (passthrough_argv(kind, settings, topics, partitions), harness.settings_env(settings))
            runs.append(asyncio.run(drain(label, settings, passthrough_inputs(settings), [launch],
                                          scratch / "logs", timeout_s, partitions)))
    for label, overrides, module in (("light path", {}, "workers"),
                                     ("light path, 3 hops unbatched (before)", UNFUSED, "workers"),
                                     (FLOOR_LABEL, {}, "bench.floor_worker")):
        with harness.on_fresh_broker(scratch, partitions, "light", **overrides) as settings:
            runs.append(asyncio.run(light_path(settings, light_inputs(settings), 1, scratch / "logs", timeout_s,
                                               partitions, label, module)))
    return runs
