"""Garbage-collector pauses of the fused light hop, with and without the start-up heap frozen.

Each variant runs in its own process (``gc.freeze()`` is process-wide): build the light cores exactly as
a worker does, freeze or not, then push the same text-only events through the fused hop in batches
(``bench.inprocess``, no broker) while a gc callback records every collection's pause. No broker,
no other worker: the comparison is not confounded by the shared machine's Kafka traffic.
``python -m bench.heap [--events N]`` prints both variants as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess  # noqa: S404 - runs this module with sys.executable, no shell
import sys
from pathlib import Path
from typing import Any

from workers.settings import REPO_ROOT, Settings


def measure(events: int, freeze: bool, shared: Path) -> dict[str, Any]:
    """One variant in this process: pauses per generation while ``events`` uploads pass the fused hop."""
    from bench.events import load_sentences, text_uploads, transcript_event
    from bench.inprocess import build_chain, run_one_hop
    from workers.heap import freeze_startup_heap, watch_pauses

    settings = Settings.from_env({}, log_level="WARNING")
    runtime, specs, _ = build_chain(settings)
    schema = runtime.catalog["uploads.transcribed"].value_schema
    uploads = text_uploads(load_sentences(shared), events, "heap")
    inputs = [runtime.serde.encode(schema, transcript_event(u)) for u in uploads]
    if freeze:
        freeze_startup_heap()
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    callback = watch_pauses(lambda generation, seconds: pauses[generation].append(seconds))
    try:
        cpu_s = asyncio.run(run_one_hop(runtime, specs, inputs, settings.worker.stage_batch_size))
    finally:
        gc.callbacks.remove(callback)
    return {"events": events, "gc_freeze": freeze, "tracked_objects_end": len(gc.get_objects()),
            "cpu_ms_per_event": 1000 * cpu_s / events,
            "generations": {str(g): _summary(p) for g, p in pauses.items()}}


def _summary(pauses: list[float]) -> dict[str, float]:
    ms = sorted(1000 * p for p in pauses)
    return {"collections": len(ms), "total_ms": round(sum(ms), 1),
            "mean_ms": round(sum(ms) / len(ms), 2) if ms else 0.0, "max_ms": round(ms[-1], 1) if ms else 0.0}


def side_by_side(events: int, shared: Path) -> dict[str, Any]:
    """Both variants, each in a fresh process, frozen first."""
    out = {}
    for freeze in (True, False):
        argv = [sys.executable, "-m", "bench.heap", "--events", str(events), "--shared-dir", str(shared),
                "--variant", "frozen" if freeze else "unfrozen"]
        done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=True)  # noqa: S603
        out[f"GC_FREEZE={str(freeze).lower()}"] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=8000)
    parser.add_argument("--shared-dir", type=Path, default=REPO_ROOT.parent / "shared")
    parser.add_argument("--variant", choices=("frozen", "unfrozen", "both"), default="both")
    args = parser.parse_args(argv)
    if args.variant == "both":
        print(json.dumps(side_by_side(args.events, args.shared_dir), indent=2))
    else:
        print(json.dumps(measure(args.events, args.variant == "frozen", args.shared_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
