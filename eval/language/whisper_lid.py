"""Whisper's audio language probabilities on every real clip of ../shared/speech, both backends, cached.

The language evaluation fuses text with these measured probabilities instead of an assumed confusion
model. Whisper costs ~2 CPU s per clip window, so the probabilities are computed once and committed:

    nice -n 5 .venv/bin/python -m eval.language.whisper_lid --out results/whisper_lid_probs.json

Each backend gets the clip exactly as the transcribe stage hands it over (decoded to 16 kHz mono, first
window) and reports what the stage's Transcript carries: its top-3 languages with probabilities.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from eval.language.eval_data import shared_dir
from workers.transcribe.backends import BACKENDS, load_backend
from workers.transcribe.decode import decode_audio
from workers.transcribe.model_store import MODEL_NAME, ensure_model_dir
from workers.transcribe.types import DecodeOptions

COMMAND = "nice -n 5 .venv/bin/python -m eval.language.whisper_lid --out results/whisper_lid_probs.json"


def clip_languages(backend: Any, samples: Any) -> list[list[Any]]:
    """The backend's top languages for one clip, best first, as [language, probability] pairs."""
    if hasattr(backend, "detect_language"):  # openai-whisper: language id without decoding
        scores = backend.detect_language(samples)
    else:  # faster-whisper: language id runs eagerly, the segments (never consumed) lazily
        scores, _ = backend.stream(samples, DecodeOptions())
    return [[score.language, round(float(score.probability), 6)] for score in scores]


def measure(manifest: Path, threads: int) -> dict[str, Any]:
    """Every clip of the manifest through every backend."""
    clips = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    audio = {clip["id"]: decode_audio((manifest.parent / clip["path"]).read_bytes()) for clip in clips}
    model_dir = ensure_model_dir()
    backends: dict[str, Any] = {}
    for name in BACKENDS:
        backend = load_backend(name, model_dir, device="cpu", cpu_threads=threads)
        started = time.process_time()
        probs = {clip["id"]: clip_languages(backend, audio[clip["id"]]) for clip in clips}
        backends[name] = {
            "compute_type": backend.compute_type,
            "cpu_s": round(time.process_time() - started, 1),
            "clips": probs,
        }
    return {
        "model": MODEL_NAME,
        "command": COMMAND,
        "manifest": "../shared/speech/manifest.jsonl",
        "clips": {clip["id"]: {"lang": clip["lang"], "transcript": clip["transcript"]} for clip in clips},
        "backends": backends,
    }


def main(argv: list[str] | None = None) -> None:
    """Measure and write the probabilities file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results/whisper_lid_probs.json"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    result = measure(shared_dir() / "speech" / "manifest.jsonl", args.threads)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, backend in result["backends"].items():
        right = sum(probs[0][0] == result["clips"][cid]["lang"] for cid, probs in backend["clips"].items())
        print(f"{name}: top-1 right {right}/{len(backend['clips'])}, {backend['cpu_s']} CPU s")


if __name__ == "__main__":
    main()
