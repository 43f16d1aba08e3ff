"""TRANSCRIBE_INFLIGHT 1 vs 8, ABBA, each run on a fresh embedded broker: no-audio uploads drained.

``python -m bench.inflight [--uploads N] [--stages transcribe|all]``: a worker running only the
transcribe stage (as the production worker-asr does; rate read on uploads.transcribed) or every stage
(rate read on content.enriched) drains N no-audio uploads; steady output rate per run, printed as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench import harness
from bench.events import load_sentences, text_uploads
from bench.latency import fresh_uploads, measure_capacity
from workers.settings import REPO_ROOT

ORDER = (1, 8, 8, 1)  # ABBA: a drift of the shared machine hits both settings alike


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=6000)
    parser.add_argument("--stages", choices=("transcribe", "all"), default="transcribe")
    parser.add_argument("--shared-dir", type=Path, default=REPO_ROOT.parent / "shared")
    args = parser.parse_args(argv)
    stages, topic = ((harness.ALL_STAGES, "content.enriched") if args.stages == "all"
                     else (("transcribe",), "uploads.transcribed"))
    uploads = text_uploads(load_sentences(args.shared_dir), args.uploads, "inflight")
    for run, inflight in enumerate(ORDER):
        with tempfile.TemporaryDirectory() as tmp, \
                harness.on_fresh_broker(Path(tmp), 8, f"inflight-{run}", transcribe_inflight=inflight) as settings:
            rate = asyncio.run(measure_capacity(settings,
                                                fresh_uploads(uploads, 0, len(uploads), f"inflight-{run}"),
                                                Path(tmp), stages, topic))
        print(f"{args.stages}: TRANSCRIBE_INFLIGHT={inflight}: {rate:.0f} uploads/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
