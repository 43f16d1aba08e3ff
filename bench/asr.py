"""ASR benchmark: ``python -m bench.asr [--quick]`` → results/asr_bench.json and .md.

Same real clips, same Whisper base weights, one run: openai-whisper fp32 vs faster-whisper int8 vs
faster-whisper fp32, each greedy and beam 5, every configuration in its own process (peak RSS per
configuration). Then a mixed upload stream (speech, generated music, silence, ~30 % re-uploads):
our pipeline (VAD + transcript cache + faster-whisper int8) vs transcribing everything with openai-whisper.
Then the encoder window sized to the speech vs the full 30 s window (``bench.asr_context``: every shared
clip, per-clip rows cached) → results/asr_context.json and .md. ``--context-only`` runs just that part.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # noqa: S404 - runs this package's own worker module with sys.executable, no shell
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench import asr_context
from bench.clips import SpeechClip, build_stream, load_manifest, pick_clips
from bench.report import describe_machine, render_markdown
from bench.stream import save_uploads
from bench.worker import WorkerSpec
from workers.transcribe.model_store import ensure_model_dir
from workers.transcribe.wer import word_error_rate

REPO_ROOT = Path(__file__).resolve().parents[1]
WER_TOLERANCE_POINTS = 1.0  # a costlier decoding must buy more than this many WER points


@dataclass(frozen=True)
class BenchOptions:
    """Size of one benchmark run."""

    clips: int = 15  # real speech clips, round-robin across languages
    stream_speech: int = 16  # unique speech sounds in the mixed stream
    stream_music: int = 7
    stream_silence: int = 5
    stream_total: int = 40  # uploads; the rest beyond the unique sounds are re-uploads
    threads: int = 2


QUICK_CONTEXT_CLIPS = 3  # --quick: the sized-window comparison on the first clips only
QUICK = BenchOptions(clips=2, stream_speech=2, stream_music=1, stream_silence=1, stream_total=6)
# (label, backend, compute type, beam size)
CONFIGS = tuple(
    (f"{label} {'greedy' if beam == 1 else f'beam{beam}'}", backend, compute, beam)
    for beam in (1, 5)
    for label, backend, compute in (
        ("openai-whisper fp32", "openai-whisper", "float32"),
        ("faster-whisper int8", "faster-whisper", "int8"),
        ("faster-whisper fp32", "faster-whisper", "float32"),
    )
)


def run_worker(spec: WorkerSpec, scratch: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON answer."""
    spec_file = scratch / "spec.json"
    spec_file.write_text(json.dumps(asdict(spec)), "utf-8")
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "bench.worker", str(spec_file)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"benchmark worker failed ({spec.backend} {spec.compute_type}): {done.stderr[-2000:]}"
        )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def summarize(label: str, raw: dict[str, Any], clips: dict[str, SpeechClip]) -> dict[str, Any]:
    """Throughput, RTF, peak RSS and WER (mean and per language) of one configuration."""
    audio = sum(c["audio_s"] for c in raw["clips"])
    wall = sum(c["wall_s"] for c in raw["clips"])
    cpu = sum(c["cpu_s"] for c in raw["clips"])
    wers: dict[str, list[float]] = {}
    for row in raw["clips"]:
        clip = clips[row["path"]]
        row["wer"] = word_error_rate(clip.transcript, row["text"], clip.lang)
        wers.setdefault(clip.lang, []).append(row["wer"])
    every = [w for per_lang in wers.values() for w in per_lang]
    return {
        "label": label,
        "backend": raw["backend"],
        "compute_type": raw["compute_type"],
        "beam_size": raw["spec"]["beam_size"],
        "audio_s": audio,
        "wall_s": wall,
        "cpu_s": cpu,
        "audio_s_per_wall_s": audio / wall,
        "rtf": wall / audio,
        "cpu_rtf": cpu / audio,
        "peak_rss_mb": raw["ru_maxrss_kb"] / 1024,
        "load_s": raw["load_s"],
        "wer_mean": sum(every) / len(every),
        "wer_by_language": {lang: sum(v) / len(v) for lang, v in sorted(wers.items())},
        "clips": raw["clips"],
    }


def choose_default(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Production backend (faster-whisper int8): the cheapest decoding (CPU RTF) within tolerance of the
    best WER; a costlier decoding is chosen only if it buys more than ``WER_TOLERANCE_POINTS``."""
    candidates = [r for r in rows if r["backend"] == "faster-whisper" and r["compute_type"] == "int8"]
    best = min(r["wer_mean"] for r in candidates)
    eligible = [r for r in candidates if (r["wer_mean"] - best) * 100 <= WER_TOLERANCE_POINTS]
    chosen = min(eligible, key=lambda r: (r["cpu_rtf"], r["wer_mean"]))
    return {
        "rule": f"cheapest CPU RTF among faster-whisper int8 decodings whose mean WER is within "
        f"{WER_TOLERANCE_POINTS} point of the best",
        "label": chosen["label"],
        "beam_size": chosen["beam_size"],
        "wer_points_per_cpu_rtf": {r["label"]: r["wer_mean"] * 100 / r["cpu_rtf"] for r in candidates},
    }


def compare(rows: list[dict[str, Any]], beam: int) -> dict[str, Any]:
    """faster-whisper int8 vs openai-whisper fp32 at one beam size: speed ratios and WER gap."""
    fast = next(r for r in rows if r["beam_size"] == beam and r["compute_type"] == "int8")
    ref = next(r for r in rows if r["beam_size"] == beam and r["backend"] == "openai-whisper")
    return {
        "beam_size": beam,
        "wall_speedup": ref["rtf"] / fast["rtf"],
        "cpu_speedup": ref["cpu_rtf"] / fast["cpu_rtf"],
        "wer_gap_points": (fast["wer_mean"] - ref["wer_mean"]) * 100,
    }


def stream_bench(
    options: BenchOptions, manifest: list[SpeechClip], model_dir: Path, scratch: Path
) -> dict[str, Any]:
    """Mixed stream: pipeline (VAD + cache + faster-whisper int8) vs naive openai-whisper on every upload."""
    uploads = build_stream(
        pick_clips(manifest, options.stream_speech),
        options.stream_music,
        options.stream_silence,
        options.stream_total,
    )
    paths = save_uploads(uploads, scratch / "uploads")
    ours = WorkerSpec("stream", "faster-whisper", "int8", str(model_dir), 1, options.threads, paths, True)
    pipeline = run_worker(ours, scratch)
    theirs = replace(ours, backend="openai-whisper", compute_type="float32", pipeline=False)
    naive = run_worker(theirs, scratch)
    return {
        "uploads": len(uploads),
        "kinds": {kind: sum(u.kind == kind for u in uploads) for kind in ("speech", "music", "silence")},
        "reused_fraction": sum(u.reused for u in uploads) / len(uploads),
        "pipeline": pipeline,
        "naive": naive,
        "speedup": naive["wall_s"] / pipeline["wall_s"],
    }


def run(options: BenchOptions, shared_dir: Path) -> dict[str, Any]:
    """The whole benchmark; returns the results document."""
    manifest = load_manifest(shared_dir)
    clips = pick_clips(manifest, options.clips)
    by_path = {str(c.path): c for c in clips}
    model_dir = ensure_model_dir()
    ensure_openai_checkpoint_once(model_dir)
    machine = describe_machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="asr-bench-") as tmp:
        scratch = Path(tmp)
        for label, backend, compute, beam in CONFIGS:
            spec = WorkerSpec("clips", backend, compute, str(model_dir), beam, options.threads, list(by_path))
            rows.append(summarize(label, run_worker(spec, scratch), by_path))
            print(f"{label}: RTF {rows[-1]['rtf']:.3f} WER {rows[-1]['wer_mean']:.3f}", file=sys.stderr)
        stream = stream_bench(options, manifest, model_dir, scratch)
    return {
        "machine": machine | {"load_average_end": os.getloadavg()},
        "options": asdict(options),
        "clips": [c.id for c in clips],
        "configs": rows,
        "faster_int8_vs_openai": [compare(rows, 1), compare(rows, 5)],
        "default_decoding": choose_default(rows),
        "stream": stream,
    }


def ensure_openai_checkpoint_once(model_dir: Path) -> None:
    """Convert before timing anything, so no worker pays (or races on) the one-time conversion."""
    from workers.transcribe.convert import ensure_openai_checkpoint

    ensure_openai_checkpoint(model_dir)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 clips and a 6-upload stream (smoke run)")
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=Path(os.environ.get("FIDES_SHARED_DIR", REPO_ROOT.parent / "shared")),
    )
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    parser.add_argument("--context-only", action="store_true",
                        help="only the sized-window comparison (bench.asr_context)")
    args = parser.parse_args(argv)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    if not args.context_only:
        results = run(QUICK if args.quick else BenchOptions(), args.shared_dir)
        stem = "asr_bench_quick" if args.quick else "asr_bench"
        (args.results_dir / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
        (args.results_dir / f"{stem}.md").write_text(render_markdown(results), "utf-8")
        print(f"wrote {args.results_dir / stem}.json and .md", file=sys.stderr)
    context_args = ["--results-dir", str(args.results_dir), "--shared-dir", str(args.shared_dir)]
    return asr_context.main(context_args + (["--limit", str(QUICK_CONTEXT_CLIPS)] if args.quick
                                            else ["--confirm", "--long"]))


if __name__ == "__main__":
    raise SystemExit(main())
