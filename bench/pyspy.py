"""Sample a light-stage worker under load with py-spy and rank where its time goes.

``python -m bench.pyspy [--events N] [--seconds S] [--floor]``: embedded broker, one light-stage worker,
a backlog of text-only TranscriptEvents, then ``py-spy record --format raw`` on the worker while it
drains. Prints the top frames by own time and by inclusive time (py-spy must be installed:
``pip install py-spy``). Writes results/bench_pyspy.json (``bench_pyspy_floor.json`` with ``--floor``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess  # noqa: S404 - runs py-spy on our own worker's pid, no shell
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench import harness
from bench.events import load_sentences, text_uploads
from bench.light import encode_inputs, publish_creators, worker_launches
from workers.settings import REPO_ROOT


def rank_frames(collapsed: Iterable[str], top: int = 20) -> dict[str, list[tuple[str, float]]]:
    """Share of samples per frame: ``self`` (the frame was running) and ``inclusive`` (on the stack)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count, frames = int(count_text), stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return {"self": [], "inclusive": []}
    return {name: [(frame, n / total) for frame, n in counter.most_common(top)]
            for name, counter in (("self", own), ("inclusive", inclusive))}


async def _profile(events: int, seconds: int, shared: Path, scratch: Path, module: str = "workers") -> list[str]:
    uploads = text_uploads(load_sentences(shared), events, "pyspy")
    with harness.on_fresh_broker(scratch, 8, "pyspy") as settings:
        await publish_creators(settings)
        argv, env = worker_launches(settings, harness.LIGHT_STAGES, 1, module)[0]
        proc = harness.start_process(argv, env, scratch / "worker.log")
        try:
            await harness.wait_ready([int(env["WEB_PORT"])], [proc], 300)
            await harness.produce(settings.kafka.bootstrap_servers, settings.topic("uploads.transcribed"),
                                  encode_inputs(settings, uploads))
            out = scratch / "pyspy.txt"
            spy = shutil.which("py-spy") or str(Path(REPO_ROOT / ".venv/bin/py-spy"))
            subprocess.run([spy, "record", "--format", "raw", "--nonblocking", "-d", str(seconds),  # noqa: S603
                            "-o", str(out), "-p", str(proc.pid)], check=True, capture_output=True)
            return out.read_text().splitlines()
        finally:
            harness.stop_processes([proc])


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--shared-dir", type=Path, default=REPO_ROOT.parent / "shared")
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    parser.add_argument("--floor", action="store_true",
                        help="sample bench.floor_worker (language and tag answered from a table)")
    args = parser.parse_args(argv)
    module = "bench.floor_worker" if args.floor else "workers"
    with tempfile.TemporaryDirectory(prefix="fides-pyspy-") as tmp:
        ranked: dict[str, Any] = rank_frames(asyncio.run(_profile(args.events, args.seconds, args.shared_dir,
                                                                   Path(tmp), module)))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    name = "bench_pyspy_floor.json" if args.floor else "bench_pyspy.json"
    (args.results_dir / name).write_text(json.dumps(ranked, indent=2), "utf-8")
    for kind, rows in ranked.items():
        print(f"-- top frames by {kind} time")
        for frame, share in rows:
            print(f"{share * 100:5.1f} %  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
