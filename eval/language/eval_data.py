"""The labelled evaluation set, built at run time from SIB-200 (never stored in the repository).

Source: ../shared/text/sib200_topics.jsonl — the same 1,004 FLORES-200 sentences in 12 languages,
via SIB-200 (github.com/dadelani/sib-200, Apache-2.0; sentences CC BY-SA 4.0).
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CAPTIONS_SOURCE = (
    "hand-written short-video captions (eval/language/social_captions.yaml, written for this repo)"
)
SOURCE = "SIB-200 (dadelani/sib-200, Apache-2.0) sentences from FLORES-200 (CC BY-SA 4.0)"
PRODUCT = ("en", "id", "es", "pt", "fr", "ja", "ko")
LANGUAGES = ("en", "id", "ms", "es", "pt", "fr", "ja", "ko", "tl", "it", "de", "nl")
_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_JA_RUN = re.compile(r"[^\s、。，．！？「」『』（）()・:：;；\"'0-9０-９]+")

# Simulated Whisper audio language id: (top-1 accuracy, languages it is confused with, most likely first).
# Assumed rates, not measured on audio: roughly Whisper-base-like, pessimistic where Whisper is known to
# struggle (Malay heard as Indonesian, Tagalog, Iberian pairs).
AUDIO_BEHAVIOUR: dict[str, tuple[float, tuple[str, ...]]] = {
    "en": (0.97, ("de", "nl", "fr")),
    "id": (0.85, ("ms", "jv", "tl")),
    "ms": (0.55, ("id", "jv", "tl")),
    "es": (0.93, ("pt", "gl", "ca")),
    "pt": (0.92, ("es", "gl", "it")),
    "fr": (0.95, ("en", "it", "ca")),
    "ja": (0.97, ("zh", "ko", "en")),
    "ko": (0.97, ("ja", "zh", "en")),
    "tl": (0.60, ("en", "id", "ms")),
    "it": (0.93, ("es", "pt", "ca")),
    "de": (0.95, ("nl", "en", "sv")),
    "nl": (0.90, ("de", "af", "en")),
}


@dataclass(frozen=True)
class Item:
    """One labelled text with its simulated audio language id."""

    lang: str  # true language
    text: str
    kind: str  # "sentence" or "phrase"
    words: int  # words in a phrase (1-3); 0 for sentences
    audio: tuple[tuple[str, float], ...]  # simulated Whisper top-3, best first


def shared_dir() -> Path:
    """The read-only reference data directory (FIDES_SHARED_DIR or ../shared beside the repo)."""
    default = Path(__file__).resolve().parents[2].parent / "shared"
    return Path(os.environ.get("FIDES_SHARED_DIR", default))


def load_rows(path: Path, split: str) -> list[dict]:
    """SIB-200 rows of one split (train / dev / test) for the evaluated languages."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["meta"]["split"] == split and r["lang"] in LANGUAGES]


def phrase_of(text: str, lang: str, rng: random.Random, words: int) -> str:
    """A `words`-word window of a sentence at a seeded offset (Japanese: 2*words+1 characters)."""
    if lang == "ja":
        runs = sorted(_JA_RUN.findall(text), key=len, reverse=True)
        run, size = runs[0], 2 * words + 1
        start = rng.randrange(max(1, len(run) - size + 1))
        return run[start : start + size]
    tokens = [t for t in (_PUNCT.sub("", tok) for tok in text.split()) if any(ch.isalpha() for ch in t)]
    start = rng.randrange(max(1, len(tokens) - words + 1))
    return " ".join(tokens[start : start + words])


def simulate_audio(lang: str, rng: random.Random) -> tuple[tuple[str, float], ...]:
    """Whisper-like top-3 audio languages: right with the language's accuracy, else a typical confusion."""
    accuracy, confusers = AUDIO_BEHAVIOUR[lang]
    if rng.random() < accuracy:
        top = rng.uniform(0.55, 0.99)
        rest = 1.0 - top
        return ((lang, top), (confusers[0], rest * 0.6), (confusers[1], rest * 0.3))
    top = rng.uniform(0.35, 0.75)
    second = rng.uniform(0.05, (1.0 - top) * 0.9)
    wrong = confusers[0] if rng.random() < 0.7 else confusers[1]
    third = next(c for c in confusers if c != wrong)
    return ((wrong, top), (lang, second), (third, (1.0 - top - second) / 2))


def build_items(path: Path, split: str) -> list[Item]:
    """Every sentence of the split plus one 1-3-word phrase derived from it, each with simulated audio."""
    items = []
    for row in load_rows(path, split):
        index = row["meta"]["index_id"]
        rng = random.Random(f"{row['lang']}:{index}")  # str seeds are stable across processes
        words = 1 + index % 3
        phrase = phrase_of(row["text"], row["lang"], rng, words)
        items.append(Item(row["lang"], row["text"], "sentence", 0, simulate_audio(row["lang"], rng)))
        if phrase:
            items.append(Item(row["lang"], phrase, "phrase", words, simulate_audio(row["lang"], rng)))
    return items


def social_captions(path: Path | None = None) -> list[tuple[str, str]]:
    """The hand-written social-media caption set as (language, caption) pairs, in file order."""
    path = path or Path(__file__).with_name("social_captions.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(lang, caption) for lang, captions in data.items() for caption in captions]
