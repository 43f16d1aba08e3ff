"""The light stages' per-event code path in one process, without Faust or Kafka: CPU cost and profile.

Runs the real stage runner (``workers.stage.process_message``: decode → core → encode → send → metrics)
for language → tag → route as three hops, then the same events as the fused hop in batches
(``process_batch``), with ``Runtime.send`` replaced by an in-memory capture whose ack is already done.
What it measures is our code's CPU per event, apart from the framework's and the broker's.
``python -m bench.inprocess [--events N] [--profile]`` prints the numbers and the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.events import fides_creators, load_sentences, text_uploads, transcript_event
from workers.agents import build_stage
from workers.cores import load_cores
from workers.runtime import Runtime
from workers.settings import REPO_ROOT, Settings
from workers.stage import SourceMessage, StageSpec, fuse, process_batch, process_message
from workers.stages import BY_ID, LIGHT_HOP, StageTables

CHAIN = LIGHT_HOP


class Capture:
    """A ``Runtime.send`` that keeps the last value written per topic and acks at once."""

    def __init__(self) -> None:
        self.last: dict[str, bytes] = {}
        self.count = 0

    async def send(self, physical: str, key: bytes | None, value: bytes) -> asyncio.Future[None]:
        """Record the value; return an already-completed ack."""
        self.last[physical] = value
        self.count += 1
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def build_chain(settings: Settings) -> tuple[Runtime, list[StageSpec], Capture]:
    """Runtime with the light cores loaded and the three stage specs, sending into a capture."""
    capture = Capture()
    runtime = Runtime.create(settings, send=capture.send, cores=load_cores(settings, CHAIN))
    tables = StageTables(registry={c["creator_id"]: c for c in fides_creators()})
    specs = [build_stage(BY_ID[stage], runtime, tables) for stage in CHAIN]
    return runtime, specs, capture


async def _run(runtime: Runtime, specs: list[StageSpec], capture: Capture, inputs: list[bytes]) -> dict[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    for offset, value in enumerate(inputs):
        for spec in specs:
            started = time.process_time()
            await process_message(spec, runtime, SourceMessage(spec.source, 0, offset, b"k", value))
            seconds[spec.stage] += time.process_time() - started
            value = capture.last[runtime.settings.topic(_target(spec.stage))]
    return dict(seconds)


async def run_one_hop(runtime: Runtime, specs: list[StageSpec], inputs: list[bytes], batch: int) -> float:
    hop = fuse("light", specs, runtime)
    sources = [SourceMessage(hop.source, 0, offset, b"k", value) for offset, value in enumerate(inputs)]
    started = time.process_time()
    for first in range(0, len(sources), batch):
        await process_batch(hop, runtime, sources[first : first + batch])
    return time.process_time() - started


def _target(stage: str) -> str:
    return {"language": "uploads.language", "tag": "uploads.tagged", "route": "content.enriched"}[stage]


def measure(settings: Settings, uploads: list[dict[str, Any]], profile: bool = False) -> dict[str, Any]:
    """CPU ms per event per stage (and in total) over ``uploads``; with ``profile``, the top functions."""
    runtime, specs, capture = build_chain(settings)
    schema = runtime.catalog["uploads.transcribed"].value_schema
    inputs = [runtime.serde.encode(schema, transcript_event(u)) for u in uploads]
    asyncio.run(_run(runtime, specs, capture, inputs[:50]))  # warm caches of imports and the event loop
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    seconds = asyncio.run(_run(runtime, specs, capture, inputs[50:]))
    if profiler:
        profiler.disable()
    n = len(inputs) - 50
    result: dict[str, Any] = {"events": n, "cpu_ms_per_event": {s: 1000 * v / n for s, v in seconds.items()}}
    result["cpu_ms_per_event"]["total"] = sum(result["cpu_ms_per_event"].values())
    result["events_per_cpu_s"] = 1000 / result["cpu_ms_per_event"]["total"]
    if not profiler:  # the same events as one fused hop in batches (FUSE_LIGHT_STAGES), on fresh cores
        runtime, specs, capture = build_chain(settings)
        asyncio.run(run_one_hop(runtime, specs, inputs[:50], settings.worker.stage_batch_size))
        one_hop = asyncio.run(run_one_hop(runtime, specs, inputs[50:], settings.worker.stage_batch_size))
        result["one_hop_cpu_ms_per_event"] = 1000 * one_hop / n
    if profiler:
        result["top_functions"] = top_functions(profiler)
    return result


def top_functions(profiler: cProfile.Profile, limit: int = 25) -> str:
    """The profile's top functions by own time, as pstats prints them."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--shared-dir", type=Path, default=REPO_ROOT.parent / "shared")
    args = parser.parse_args(argv)
    uploads = text_uploads(load_sentences(args.shared_dir), args.events + 50, "inproc")
    result = measure(Settings.from_env({}), uploads, args.profile)
    print(result.pop("top_functions", ""))
    print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
