"""ASR throughput on one GPU: ``python -m bench.asr_gpu`` → results/asr_gpu.json and .md.

Audio seconds transcribed per wall second by one GPU (faster-whisper float16 on CUDA, Whisper base, beam 5),
uploads decoded in batches (``FasterWhisperBackend.transcribe_batch``: one encoder batch and one beam
search per window size), full 30 s windows vs windows sized to the speech, on the real clips of
``shared/speech`` repeated to ``--uploads``. VAD runs on the CPU first, as in the stage, and is not timed.
The figure feeds the capacity model: ``python -m bench.capacity --gpu-audio-s-per-s <sized figure>``.
Refuses to run (exit 2) without a CUDA device unless ``--device cpu`` is given (a smoke run of the code
path, not a GPU figure).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.asr_context import REPO_ROOT
from bench.clips import load_manifest
from bench.report import describe_machine
from workers.transcribe.context import ContextOptions
from workers.transcribe.types import DecodeOptions
from workers.transcribe.wer import word_error_rate

SIZED = ContextOptions(sized=True)  # the product's buckets and margin (ASR_CONTEXT_MARGIN_S default)
FULL = ContextOptions(sized=False)


def measure(backend: Any, audio: list[Any], ends: list[float | None], context: ContextOptions, batch: int,
            beam: int) -> dict[str, Any]:
    """Transcribe every upload in batches of ``batch``; wall time, audio seconds per second, texts."""
    options = DecodeOptions(beam_size=beam, context=context)
    backend.transcribe_batch(audio[:batch], options, ends[:batch])  # warm-up: CUDA kernels, allocator
    started = time.perf_counter()
    results = []
    for start in range(0, len(audio), batch):
        results += backend.transcribe_batch(audio[start : start + batch], options, ends[start : start + batch])
    wall = time.perf_counter() - started
    seconds = sum(a.size for a in audio) / 16_000
    return {"batch": batch, "wall_s": wall, "audio_s": seconds, "audio_s_per_s": seconds / wall,
            "fallbacks": sum(r.fallback is not None for r in results), "results": results}


def run(shared_dir: Path, device: str, uploads: int, batches: tuple[int, ...], beam: int) -> dict[str, Any]:
    """Every (window, batch size) cell on ``uploads`` uploads made of the real clips."""
    from workers.transcribe.backends.faster_whisper import FasterWhisperBackend
    from workers.transcribe.decode import decode_audio
    from workers.transcribe.model_store import ensure_model_dir
    from workers.transcribe.vad import VadOptions, speech_spans

    clips = load_manifest(shared_dir)
    picked = [clips[i % len(clips)] for i in range(uploads)]
    decoded = {c.id: decode_audio(c.path.read_bytes()) for c in clips}
    spans = {cid: speech_spans(a, VadOptions()) for cid, a in decoded.items()}
    audio = [decoded[c.id] for c in picked]
    ends = [spans[c.id][-1][1] if spans[c.id] else None for c in picked]
    backend = FasterWhisperBackend(ensure_model_dir(), device=device, compute_type="auto")
    cells = []
    for label, context in (("full 30 s window", FULL), ("sized to the speech", SIZED)):
        for batch in batches:
            cell = measure(backend, audio, ends, context, batch, beam)
            texts = cell.pop("results")
            errors = [word_error_rate(c.transcript, r.text, c.lang) for c, r in zip(picked, texts, strict=True)]
            cells.append({"window": label, **cell, "error_mean": sum(errors) / len(errors),
                          "language_accuracy": sum(r.language == c.lang for c, r in zip(picked, texts, strict=True))
                          / len(picked)})
            print(f"{label}, batch {batch}: {cell['audio_s_per_s']:.1f} audio s/s", file=sys.stderr)
    return {"machine": describe_machine() | {"device": device, "compute_type": backend.compute_type},
            "uploads": uploads, "beam_size": beam, "cells": cells,
            "best_audio_s_per_s": {label: max(c["audio_s_per_s"] for c in cells if c["window"] == label)
                                   for label in ("full 30 s window", "sized to the speech")}}


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    machine = results["machine"]
    lines = [
        "# ASR throughput on one GPU (faster-whisper, Whisper base, batched uploads)", "",
        f"{machine.get('date_utc', '')} · device {machine['device']} · {machine['compute_type']} · "
        f"beam {results['beam_size']} · {results['uploads']} uploads (the shared/speech clips repeated)", "",
        "| window | batch | audio s / wall s | fallbacks | error mean | LID accuracy |", "|---|---|---|---|---|---|",
    ]
    lines += [f"| {c['window']} | {c['batch']} | {c['audio_s_per_s']:.1f} | {c['fallbacks']} | "
              f"{c['error_mean']:.3f} | {c['language_accuracy']:.3f} |" for c in results["cells"]]
    return "\n".join(lines + [""])


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--uploads", type=int, default=256)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--shared-dir", type=Path,
                        default=Path(os.environ.get("FIDES_SHARED_DIR", REPO_ROOT.parent / "shared")))
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    args = parser.parse_args(argv)
    if args.device == "cuda":
        import ctranslate2

        if ctranslate2.get_cuda_device_count() == 0:
            print("no CUDA device: this measures a GPU (use --device cpu for a smoke run)", file=sys.stderr)
            return 2
    results = run(args.shared_dir, args.device, args.uploads, tuple(args.batch), args.beam)
    stem = "asr_gpu" if args.device == "cuda" else "asr_gpu_cpu_smoke"
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str), "utf-8")
    (args.results_dir / f"{stem}.md").write_text(render_markdown(results), "utf-8")
    print(f"wrote {args.results_dir / stem}.json and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
