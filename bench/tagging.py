"""The tag stage's CPU per upload on one core: ``python -m bench.tagging`` -> results/bench_tagging.json.

Uploads: a 60-word transcript and a 12-word caption cut from gold_dev texts (../shared), in every
language gold_dev has. Side by side in one run, each on the same uploads, one thread:

- ``keywords``: the taxonomy alone;
- ``adopted``: keywords + the multilingual encoder + heads;
- ``stage``: ``adopted`` + the known-false-claim matcher (``claims.py``), i.e. the tag stage's default core;
- ``before``: keywords + all-MiniLM-L6-v2 (the English encoder the stage ran before), the encoder timed on
  the same text: today's cost where the old head ran (English uploads with a keyword match or long text).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.tagging import gold
from eval.tagging.eval_data import shared_dir
from workers.tagging import TagInput, TagOptions, load_taxonomy, tag


def uploads(root: Path, per_language: int = 40) -> list[TagInput]:
    """60-word transcript + 12-word caption per upload (ja/ko: 150 / 30 characters, no spaces)."""
    rows = gold.gold_examples(root)
    out = []
    for language in sorted({r.language for r in rows}):
        texts = [r.text for r in rows if r.language == language]
        for i in range(min(per_language, len(texts))):
            body, caption = texts[i], texts[(i + 1) % len(texts)]
            if language in ("ja", "ko"):
                transcript, cap = (body * 3)[:150], caption[:30]
            else:
                words = (body + " " + body + " " + body).split()
                transcript, cap = " ".join(words[:60]), " ".join(caption.split()[:12])
            out.append(TagInput(transcript=transcript, caption=cap, language=language))
    return out


def _time(run: Callable[[TagInput], Any], inputs: list[TagInput], repeats: int) -> dict[str, float]:
    for fields in inputs[:10]:
        run(fields)
    samples = []
    for _ in range(repeats):
        for fields in inputs:
            started = time.process_time()
            run(fields)
            samples.append(1000 * (time.process_time() - started))
    values = np.array(samples)
    return {"n": len(values), "p50_ms": round(float(np.percentile(values, 50)), 3),
            "p99_ms": round(float(np.percentile(values, 99)), 3), "mean_ms": round(float(values.mean()), 3)}


def measure(root: Path, repeats: int = 3) -> dict[str, Any]:
    """CPU ms per upload of each configuration on the same uploads."""
    from workers.tagging.learned import LearnedSignal

    taxonomy, inputs = load_taxonomy(), uploads(root)
    keywords = TagOptions(use_learned_signal=False)
    adopted = TagOptions()
    signal = LearnedSignal(threads=1)
    report: dict[str, Any] = {
        "uploads": len(inputs),
        "keywords": _time(lambda f: tag(f, taxonomy, keywords), inputs, repeats),
        "adopted": _time(lambda f: tag(f, taxonomy, adopted, signal), inputs, repeats),
    }
    from workers.tagging.loader import claim_matcher

    claims = claim_matcher(signal)
    report["stage"] = _time(lambda f: tag(f, taxonomy, adopted, signal, claims), inputs, repeats)
    try:
        from bench.minilm import SentenceEncoder

        minilm = SentenceEncoder(threads=1)

        def before(fields: TagInput) -> None:
            tag(fields, taxonomy, keywords)
            minilm.encode([f"{fields.transcript}\n{fields.caption}"])

        report["before"] = _time(before, inputs, repeats)
    except Exception as exc:  # noqa: BLE001 - the old encoder is optional: report why it is missing
        report["before"] = {"unavailable": str(exc)}
    return report


def main(argv: list[str] | None = None) -> int:
    """Measure and write results/bench_tagging.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/bench_tagging.json"))
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    report = measure(shared_dir(), args.repeats)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
