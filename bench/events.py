"""Benchmark inputs: realistic multilingual text-only uploads built at run time from the shared SIB-200 file.

The sentences are read from ``shared/text/sib200_topics.jsonl`` when the benchmark runs (never copied into
the repository). Every caption is unique, so the language detector's per-text cache never answers for free.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.transcribe.types import Transcript

# Where each SIB-200 language is most likely uploaded from; languages outside the help-line countries
# (de, it, nl, ms, tl) come from any country, which exercises the PSA fallback rules.
REGIONS = {"en": ("US", "GB"), "id": ("ID",), "es": ("MX",), "pt": ("BR",), "fr": ("FR",), "ja": ("JP",),
           "ko": ("KR",), "ms": ("ID",)}
ALL_REGIONS = ("US", "GB", "FR", "JP", "KR", "ID", "MX", "BR")
HASHTAGS = {"health": ("health", "wellbeing", "mentalhealth"), "travel": ("travel",), "sports": ("sports",),
            "politics": ("news",), "entertainment": ("fyp",), "geography": ("world",),
            "science/technology": ("science",)}
FIDES_CREATORS = ("bench-fides-1", "bench-fides-2", "bench-fides-3")


@dataclass(frozen=True)
class Sentence:
    """One SIB-200 sentence with its language and topic label."""

    text: str
    lang: str
    label: str


def load_sentences(shared_dir: Path) -> list[Sentence]:
    """Every sentence of ``text/sib200_topics.jsonl`` under ``shared_dir``."""
    path = shared_dir / "text" / "sib200_topics.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [Sentence(r["text"], r["lang"], r["label"]) for r in rows]


def _caption(sentences: list[Sentence], by_lang: dict[str, list[Sentence]], i: int) -> Sentence:
    """The i-th caption: one sentence, or two of one language once the single sentences are used up."""
    first = sentences[i % len(sentences)]
    if i < len(sentences):
        return first
    pool = by_lang[first.lang]
    second = pool[(i // len(sentences) * 7919 + i) % len(pool)]
    return Sentence(f"{first.text} {second.text}", first.lang, first.label)


def text_uploads(sentences: list[Sentence], count: int, run_id: str, seed: int = 11) -> list[dict[str, Any]]:
    """``count`` UploadEvent records without audio; ~5 % are by Fides creators."""
    rng = random.Random(seed)
    order = list(sentences)
    rng.shuffle(order)
    by_lang: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in order:
        by_lang[sentence.lang].append(sentence)
    now = int(time.time() * 1000)
    uploads = []
    for i in range(count):
        sentence = _caption(order, by_lang, i)
        fides = rng.random() < 0.05
        uploads.append({
            "event_id": f"{run_id}-{i}", "video_id": f"v-{run_id}-{i}",
            "creator_id": rng.choice(FIDES_CREATORS) if fides else f"user-{rng.randrange(100_000)}",
            "uploaded_at": now, "region": rng.choice(REGIONS.get(sentence.lang, ALL_REGIONS)),
            "audio_uri": None, "duration_ms": rng.randrange(5_000, 60_000), "caption": sentence.text,
            "hashtags": list(HASHTAGS.get(sentence.label, ())), "declared_language": None,
        })
    return uploads


def transcript_event(upload: dict[str, Any]) -> dict[str, Any]:
    """The TranscriptEvent the transcribe stage emits for an upload without audio."""
    return {
        "event_id": f"{upload['event_id']}-transcribed",
        "upload": upload,
        "transcript": Transcript(status="no_audio").to_record(),
        "timings": [{"stage": "transcribe", "started_at": upload["uploaded_at"], "duration_ms": 0.01}],
    }


def fides_creators() -> list[dict[str, Any]]:
    """FidesCreator records for the benchmark's Fides creators (the route stage looks them up)."""
    now = int(time.time() * 1000)
    return [{"creator_id": cid, "action": "join", "display_name": cid, "organization": "Fides network",
             "specialties": [], "countries": [], "updated_at": now} for cid in FIDES_CREATORS]
