"""``make bench`` = ``python -m bench [--quick] [--only SECTIONS]``: every benchmark, one run.

Sections: light (light path vs aiokafka and bare Faust passthroughs), inprocess (our code's CPU per event,
no Kafka), heap (garbage-collector pauses with GC_FREEZE on and off, in-process), latency (text-only
uploads at 25/50/75 % of capacity), scaling (1 vs 2 processes, 1 → 8 partitions), per_upload (where the
time goes per upload type), asr (results/asr_bench.json from bench.asr, or its quick mode when
absent). Writes results/bench_<section>.json, bench_summary.json
and bench_summary.md (``bench_quick_*`` with --quick, so a smoke run never overwrites a full one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess  # noqa: S404 - runs the ASR benchmark module with sys.executable, no shell
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness, heap, inprocess, latency, light, per_upload, scaling
from bench.events import load_sentences, text_uploads
from bench.stats import ratio
from bench.summary import describe_machine, render
from workers.settings import REPO_ROOT

RUN_NOTES = ("Light path = language + tag + route + registry in one worker process, as configured by default "
             "(one fused hop, batched acks); the \"before\" row runs them as three hops, one event at a time; "
             "the \"floor\" row is the same worker with the language and tag cores answering one precomputed "
             "non-health result (bench.floor_worker): the most the light path could reach in one process "
             "if language detection and tagging cost nothing.")
PASSTHROUGHS = ("raw aiokafka passthrough", "bare Faust passthrough (1 hop)",
                "bare Faust passthrough (1 hop, take_events batches)", "bare Faust chain (3 hops)")
SECTIONS = ("light", "inprocess", "heap", "latency", "scaling", "per_upload", "asr")


@dataclass(frozen=True)
class BenchSize:
    """How big one run is."""

    light_events: int = 8000  # backlog drained by the light path (and by each scaling cell)
    passthrough_events: int = 20000  # backlog drained by each passthrough (they are ~20-100x faster)
    inprocess_events: int = 1000
    heap_events: int = 16000  # enough uploads for several full collections per variant
    capacity_events: int = 6000  # backlog that measures the all-stage text-only capacity (~10 s of drain)
    latency_s: float = 20.0  # seconds of paced load per level
    scaling_partitions: tuple[int, ...] = (1, 2, 4, 8)
    speech_clips: int = 3
    timeout_s: float = 300.0


QUICK = BenchSize(light_events=400, passthrough_events=2000, inprocess_events=200, heap_events=1000,
                  capacity_events=200, latency_s=5.0, scaling_partitions=(1, 8), speech_clips=1, timeout_s=180.0)


def _ratios(runs: list[light.StreamRun]) -> dict[str, Any]:
    by = {r.label: r for r in runs}
    out = {}
    references = (*PASSTHROUGHS, "light path, 3 hops unbatched (before)", light.FLOOR_LABEL)
    pairs = [("light path", name) for name in references]
    pairs += [(light.FLOOR_LABEL, name) for name in PASSTHROUGHS[1:3]]  # the most the targets' share can be
    for name, reference in pairs:
        path, ref = by[name], by[reference]
        out[f"{name} / {reference}"] = {"wall": ratio(path.events_per_s or 0, ref.events_per_s or 0),
                                        "cpu": ratio(path.events_per_cpu_s or 0, ref.events_per_cpu_s or 0)}
    return out


def run_stream_sections(sections: set[str], size: BenchSize, shared: Path, scratch: Path) -> dict[str, Any]:
    """Every broker-backed section; every drain, latency level and scaling cell on its own fresh embedded
    broker (``harness.on_fresh_broker``: the broker slows down as it accumulates records)."""
    sentences = load_sentences(shared)
    uploads = text_uploads(sentences, max(size.passthrough_events, size.capacity_events * 4), "bench")
    out: dict[str, Any] = {}

    def inputs(count: int) -> Callable[[Any], list[tuple[bytes, bytes]]]:
        return lambda settings: light.encode_inputs(settings, uploads[:count])

    if "light" in sections:
        runs = light.run_side_by_side(scratch, inputs(size.passthrough_events), inputs(size.light_events),
                                      size.timeout_s)
        out["light"] = [r.to_dict() for r in runs]
        out["ratios"] = _ratios(runs)
    if "latency" in sections:
        # the transcribe hop one upload at a time, for the side by side
        with harness.on_fresh_broker(scratch, 8, "inflight1", transcribe_inflight=1) as settings:
            before = asyncio.run(latency.measure_capacity(settings, uploads[:size.capacity_events], scratch / "logs"))
            print(f"  text-only capacity with TRANSCRIBE_INFLIGHT=1: {before:.0f} uploads/s", file=sys.stderr)
        out["latency"] = asyncio.run(latency.run_latency(scratch, uploads, size.capacity_events, size.latency_s,
                                                         scratch / "logs"))
        out["latency"]["capacity_transcribe_inflight_1_per_s"] = before
    if "scaling" in sections:
        runs = scaling.run_scaling(scratch, inputs(size.light_events), size.scaling_partitions, (1, 2),
                                   size.timeout_s)
        out["scaling"] = [r.to_dict() for r in runs]
        out["scaling_speedups"] = scaling.speedups(runs)
    if "per_upload" in sections:
        with harness.on_fresh_broker(scratch, 8, "perupload", media_root=scratch / "media") as settings:
            plan = per_upload.stage_media(shared, scratch / "media", size.speech_clips)
            out["per_upload"] = asyncio.run(per_upload.run_per_upload(settings, plan, scratch / "logs"))
    return out


def asr_summary(results_dir: Path, quick: bool, allow_run: bool) -> dict[str, Any] | None:
    """The ASR benchmark's headline numbers (running its quick mode first when no results exist)."""
    candidates = [results_dir / "asr_bench.json", results_dir / "asr_bench_quick.json"]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None and allow_run:
        subprocess.run([sys.executable, "-m", "bench.asr", "--quick", "--results-dir", str(results_dir)],  # noqa: S603
                       cwd=REPO_ROOT, check=False)
        found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        return None
    raw = json.loads(found.read_text("utf-8"))
    configs = [{k: c[k] for k in ("label", "rtf", "cpu_rtf", "wer_mean", "peak_rss_mb")} for c in raw["configs"]]
    context = results_dir / "asr_context.json"  # the sized encoder window, from bench.asr (bench.asr_context)
    sized = json.loads(context.read_text("utf-8")) if context.is_file() else {}
    shipped = (sized.get("choice") or {}).get("policy") or (sized.get("choice") or {}).get("label")
    return {"source": found.name, "configs": configs, "default": raw.get("default_decoding", {}).get("label"),
            "stream_speedup": raw.get("stream", {}).get("speedup"),
            "sized_context": {"choice": shipped, "speedup_under_15_s": (sized.get("speedup_confirmation") or
                                                                       sized.get("speedup_vs_full_window", {}))
                              .get(shipped, {}).get("all < 15 s")} if shipped else None}


def write(results: dict[str, Any], results_dir: Path, stem: str) -> None:
    """bench_<section>.json per section, the whole document, and the markdown summary."""
    results_dir.mkdir(parents=True, exist_ok=True)
    for section in (*SECTIONS, "ratios", "scaling_speedups"):
        if section in results:
            (results_dir / f"{stem}_{section}.json").write_text(json.dumps(results[section], indent=2), "utf-8")
    (results_dir / f"{stem}_summary.json").write_text(json.dumps(results, indent=2, default=str), "utf-8")
    (results_dir / f"{stem}_summary.md").write_text(render(results), "utf-8")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small backlogs and fewer cells (smoke run)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--shared-dir", type=Path,
                        default=Path(os.environ.get("FIDES_SHARED_DIR", REPO_ROOT.parent / "shared")))
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    args = parser.parse_args(argv)
    sections, size = set(args.only.split(",")), QUICK if args.quick else BenchSize()
    results: dict[str, Any] = {"machine": describe_machine(), "mode": "quick" if args.quick else "full",
                               "size": size.__dict__,
                               "notes": RUN_NOTES}
    if "inprocess" in sections:
        uploads = text_uploads(load_sentences(args.shared_dir), size.inprocess_events + 50, "inproc")
        results["inprocess"] = inprocess.measure(harness_settings(), uploads)
    if "heap" in sections:
        results["heap"] = heap.side_by_side(size.heap_events, args.shared_dir)
    with tempfile.TemporaryDirectory(prefix="fides-bench-") as tmp:
        results |= run_stream_sections(sections, size, args.shared_dir, Path(tmp))
    if "asr" in sections:
        results["asr"] = asr_summary(args.results_dir, args.quick, allow_run=True)
    results["machine"]["load_average_end"] = os.getloadavg()
    write(results, args.results_dir, "bench_quick" if args.quick else "bench")
    print(f"wrote {args.results_dir}/{'bench_quick' if args.quick else 'bench'}_summary.md", file=sys.stderr)
    return 0


def harness_settings() -> Any:
    """Default settings for in-process measurements (no broker is contacted)."""
    from workers.settings import Settings

    return Settings.from_env({}, log_level="WARNING")


if __name__ == "__main__":
    raise SystemExit(main())
