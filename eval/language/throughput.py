"""The language core's throughput per core against an earlier revision, both in one process.

    nice -n 5 .venv/bin/python -m eval.language.throughput --before 489aff1

The earlier revision's workers/language is extracted from git into a temporary package (its imports
renamed), so both cores run in the same process on the same inputs, in alternating chunks of 100, and
are timed in CPU seconds: contention from other processes hits both alike. Inputs: the light path's
benchmark uploads (bench.events: a caption, hashtags and a region each; product options, caches on),
and the SIB-200 test sentences and their 1-3-word windows without caches.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.events import load_sentences, text_uploads, transcript_event
from eval.language.eval_data import build_items, shared_dir
from workers.language import LanguageDetector, LanguageEvidence

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "language_before"


def extract(revision: str, into: Path) -> None:
    """workers/language at `revision` as the package `language_before` under `into`."""
    argv = [shutil.which("git") or "git", "archive", revision, "workers/language"]
    archive = subprocess.run(argv, cwd=REPO, capture_output=True, check=True).stdout  # noqa: S603 - no shell
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    target = into / PACKAGE
    (into / "workers" / "language").rename(target)
    for path in target.glob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("workers.language", PACKAGE), encoding="utf-8")


def _interleaved(calls: dict[str, Callable[[Any], object]], inputs: dict[str, Sequence[Any]]) -> dict[str, float]:
    seconds = dict.fromkeys(calls, 0.0)
    size = len(next(iter(inputs.values())))
    for chunk, start in enumerate(range(0, size, 100)):
        order = list(calls) if chunk % 2 == 0 else list(reversed(calls))
        for name in order:
            began = time.process_time()
            for value in inputs[name][start : start + 100]:
                calls[name](value)
            seconds[name] += time.process_time() - began
    return {name: round(size / spent, 1) for name, spent in seconds.items()}


def measure(revision: str, uploads: int) -> dict[str, Any]:
    """Texts (or uploads) per CPU second, before and now, on each input set."""
    with tempfile.TemporaryDirectory() as tmp:
        extract(revision, Path(tmp))
        sys.path.insert(0, tmp)
        before_detector = importlib.import_module(f"{PACKAGE}.detector").LanguageDetector
        before_evidence = importlib.import_module(f"{PACKAGE}.types").LanguageEvidence
        shared = shared_dir()
        events = text_uploads(load_sentences(shared), uploads, "throughput")
        records = [(event, transcript_event(event)["transcript"]) for event in events]
        items = build_items(shared / "text" / "sib200_topics.jsonl", "test")
        result: dict[str, Any] = {"before": revision}
        before, now = before_detector(), LanguageDetector()
        result["uploads"] = _interleaved(
            {"before": before.detect, "now": now.detect},
            {
                "before": [before_evidence.from_records(u, t) for u, t in records],
                "now": [LanguageEvidence.from_records(u, t) for u, t in records],
            },
        )
        for name, kind in (("sentences", True), ("short_texts", False)):
            texts = [i.text for i in items if (i.kind == "sentence") == kind]
            cold = {
                "before": before_detector(dataclasses.replace(before.options, cache_size=0, decision_cache_size=0)),
                "now": LanguageDetector(dataclasses.replace(now.options, cache_size=0, decision_cache_size=0)),
            }
            result[name] = _interleaved({k: d.detect_text for k, d in cold.items()}, dict.fromkeys(cold, texts))
    for name in ("uploads", "sentences", "short_texts"):
        result[name]["ratio"] = round(result[name]["now"] / result[name]["before"], 3)
    return result


def main(argv: list[str] | None = None) -> None:
    """Print the comparison as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="489aff1", help="git revision to compare against")
    parser.add_argument("--uploads", type=int, default=4000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.before, args.uploads)))


if __name__ == "__main__":
    main()
