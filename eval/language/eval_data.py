"""The labelled evaluation set, built at run time from SIB-200 (never stored in the repository).

Source: ../shared/text/sib200_topics.jsonl — the same 1,004 FLORES-200 sentences in 12 languages,
via SIB-200 (github.com/dadelani/sib-200, Apache-2.0; sentences CC BY-SA 4.0).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

CAPTIONS_SOURCE = "hand-written short-video captions (eval/language/social_captions.yaml, written for this repo)"
SOURCE = "SIB-200 (dadelani/sib-200, Apache-2.0) sentences from FLORES-200 (CC BY-SA 4.0)"
PRODUCT = ("en", "id", "es", "pt", "fr", "ja", "ko")
LANGUAGES = ("en", "id", "ms", "es", "pt", "fr", "ja", "ko", "tl", "it", "de", "nl")
_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_JA_RUN = re.compile(r"[^\s、。，．！？「」『』（）()・:：;；\"'0-9０-９]+")

AUDIO_BACKENDS = ("faster-whisper", "openai-whisper")
KINDS = ("sentence", "w1", "w2", "w3")  # whole sentences, then 1-, 2-, 3-word windows of them


@dataclass(frozen=True)
class Item:
    """One labelled text; `audio` holds measured Whisper top-3 per backend where the language has clips."""

    lang: str  # true language
    text: str
    kind: str  # one of KINDS
    words: int  # words in a window (1-3); 0 for sentences
    audio: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()  # (backend, top-3), from real clips


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


def load_audio_probs(path: Path) -> dict[str, dict[str, list[tuple[tuple[str, float], ...]]]]:
    """Measured Whisper top-3 per backend, grouped by the clip's true language (clip order kept)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[tuple[tuple[str, float], ...]]]] = {}
    for backend, measured in data["backends"].items():
        for clip_id, top in measured["clips"].items():
            lang = data["clips"][clip_id]["lang"]
            out.setdefault(backend, {}).setdefault(lang, []).append(tuple((code, float(p)) for code, p in top))
    return out


def build_items(path: Path, split: str, audio_probs: Mapping[str, Mapping[str, list]] | None = None) -> list[Item]:
    """Every sentence of the split and one seeded 1-, 2- and 3-word window of each.

    Where real clips of the language exist, each item is paired with one clip's measured Whisper
    probabilities (a seeded pick per item and backend); the other languages have no audio.
    """
    items = []
    for row in load_rows(path, split):
        lang, index = row["lang"], row["meta"]["index_id"]
        rng = random.Random(f"{lang}:{index}:windows")  # str seeds are stable across processes
        texts = [("sentence", 0, row["text"])]
        texts += [(f"w{n}", n, phrase_of(row["text"], lang, rng, n)) for n in (1, 2, 3)]
        for kind, words, text in texts:
            if not text:
                continue
            pick = random.Random(f"{lang}:{index}:{kind}:audio")  # windows never depend on the audio
            audio = tuple(
                (backend, pick.choice(clips[lang]))
                for backend, clips in sorted((audio_probs or {}).items())
                if clips.get(lang)
            )
            items.append(Item(lang, text, kind, words, audio))
    return items


def social_captions(path: Path | None = None) -> list[tuple[str, str]]:
    """The hand-written social-media caption set as (language, caption) pairs, in file order."""
    path = path or Path(__file__).with_name("social_captions.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(lang, caption) for lang, captions in data.items() for caption in captions]
