"""TRANSCRIBE_INFLIGHT 1 vs 8, ABBA, each run on a fresh embedded broker: no-audio uploads drained.

``python -m workers.bench.inflight [--uploads N] [--stages transcribe|all]``: a worker running only the
transcribe stage (as the production worker-asr does; rate read on uploads.transcribed) or every stage
(rate read on content.enriched) drains N no-audio uploads; steady output rate per run, printed as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from workers.bench import harness
from workers.bench.events import load_sentences, text_uploads
from workers.bench.latency import Uploads, fresh_uploads
from workers.bench.light import publish_creators, worker_launches
from workers.bench.stats import steady_rate
from workers.broker import EmbeddedBroker, free_port
from workers.settings import REPO_ROOT

ORDER = (1, 8, 8, 1)  # ABBA: a drift of the shared machine hits both settings alike


async def drain_rate(bootstrap: str, scratch: Path, inflight: int, stages: tuple[str, ...], out_topic: str,
                     uploads: list[dict[str, Any]], tag: str) -> float:
    """Steady rate at which one worker with ``inflight`` answers ``uploads`` sent all at once."""
    settings = harness.fresh_settings(bootstrap, scratch, 8, tag).with_overrides(transcribe_inflight=inflight)
    await publish_creators(settings)
    watcher = await harness.Watcher(settings.bootstrap_servers, settings.topic(out_topic)).start()
    launch = worker_launches(settings, stages, 1)[0]
    proc = harness.start_process(*launch, scratch / f"{tag}.log")
    try:
        await harness.wait_ready([int(launch[1]["WEB_PORT"])], [proc], 300)
        source = Uploads(settings, fresh_uploads(uploads, 0, len(uploads), tag))
        await harness.produce(settings.bootstrap_servers, settings.topic("uploads.new"),
                              [source.next() for _ in uploads])
        if not await watcher.wait_for_keys(set(source.sent_at), timeout_s=300):
            raise RuntimeError(f"{tag}: the worker did not drain {len(uploads)} uploads within 300 s")
        return steady_rate([r.timestamp_ms for r in watcher.records if r.key in source.sent_at])
    finally:
        await watcher.stop()
        harness.stop_processes([proc])


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
                EmbeddedBroker(port=free_port(), log_path=Path(tmp) / "broker.log") as broker:
            rate = asyncio.run(drain_rate(broker.bootstrap_servers, Path(tmp), inflight, stages, topic, uploads,
                                          f"inflight-{run}"))
        print(f"{args.stages}: TRANSCRIBE_INFLIGHT={inflight}: {rate:.0f} uploads/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
