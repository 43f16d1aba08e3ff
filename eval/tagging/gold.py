"""Post-level truth: ``../shared/text/gold_dev.jsonl`` and the scores that matter to people.

Each gold text says what it is about (``topics``: the 13 taxonomy leaf topics plus ``other_mental_health``
and ``other_health``) and whether the author or a person described is at current risk (``crisis``). The
errors reported are the product's: a crisis text without the crisis help line (a missed help line), and
a help line on a text with no health topic at all (a false help line). A help line is what routing would
attach: a PSA topic at or above the routing PSA threshold.

SIB-200 rows of gold_dev carry ``sib200_index_id``; the same sentence in 12 languages is in
``sib200_topics.jsonl``, and every language is scored against the English sentence's gold topics.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.tagging.scores import macro_f1, multi_label

GOLD_FILE = "text/gold_dev.jsonl"
SIB_FILE = "text/sib200_topics.jsonl"
WEAK_CRISIS_FILES = {lang: f"text/crisis_weak_{lang}.jsonl" for lang in ("es", "pt", "id")}
# The 13 taxonomy leaf topics scored (gold's other_* have no taxonomy topic; the parent mental_health
# is derived from its children and not scored on its own).
TOPICS = (
    "depression", "anxiety", "suicide_self_harm", "eating_disorder", "self_diagnosis", "bullying", "stress",
    "substance_use", "sexual_reproductive_health", "vaccines", "nutrition", "infectious_disease",
    "misinformation_signal",
)
# The topics routing attaches a PSA for (workers.routing.rules.PSA_TOPICS).
PSA_TOPICS = ("suicide_self_harm", "eating_disorder", "substance_use", "self_diagnosis", "depression")
CRISIS_TOPIC = "suicide_self_harm"
PSA_MIN_SCORE = 0.75  # workers.routing.types.RouteOptions.psa_min_score
SIB_ALL_LANGUAGES = ("en", "id", "ms", "es", "pt", "fr", "ja", "ko", "tl", "it", "de", "nl")


@dataclass(frozen=True)
class GoldText:
    """One gold_dev text: what it is about and whether someone is at current risk."""

    id: str
    text: str
    language: str
    topics: frozenset[str]
    crisis: bool
    source: str  # source_repo: the cross-validation group
    sib_id: int | None = None

    @property
    def health(self) -> bool:
        """Whether any topic applies (other_* included)."""
        return bool(self.topics)


@dataclass(frozen=True)
class Prediction:
    """What the tagger said about one text: emitted topics with scores, and the risk level."""

    scores: Mapping[str, float]
    risk: str = "none"

    def topics(self) -> frozenset[str]:
        """Emitted topics."""
        return frozenset(self.scores)

    def help_lines(self, psa_min: float = PSA_MIN_SCORE) -> frozenset[str]:
        """The PSA topics routing would attach a help line for."""
        return frozenset(t for t in PSA_TOPICS if self.scores.get(t, 0.0) >= psa_min)

    def crisis_line(self, psa_min: float = PSA_MIN_SCORE) -> bool:
        """Whether the crisis help line would show."""
        return self.scores.get(CRISIS_TOPIC, 0.0) >= psa_min or self.risk == "current"


Tagger = Callable[[str, str], Prediction]


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def gold_examples(root: Path) -> list[GoldText]:
    """gold_dev.jsonl as ``GoldText`` rows (file order)."""
    return [
        GoldText(
            str(row["id"]), row["text"], row["lang"], frozenset(row["topics"]), bool(row["crisis"]),
            str(row.get("source_repo", "")), row.get("sib200_index_id"),
        )
        for row in _jsonl(root / GOLD_FILE)
    ]


def weak_crisis_examples(root: Path) -> list[GoldText]:
    """crisis_weak_{es,pt,id}: the source set's own suicidal / not_suicidal label as ``crisis``."""
    rows = []
    for lang, name in WEAK_CRISIS_FILES.items():
        path = root / name
        if path.exists():
            for row in _jsonl(path):
                suicidal = row["source_label"] == "suicidal"
                rows.append(GoldText(str(row["id"]), row["text"], lang, frozenset({CRISIS_TOPIC} if suicidal else ()),
                                     suicidal, str(row.get("source", ""))))
    return rows


def sib_parallel(root: Path, gold: Sequence[GoldText]) -> list[GoldText]:
    """The gold_dev SIB-200 sentences in every language of ``sib200_topics.jsonl``, with the gold topics."""
    by_id = {g.sib_id: g for g in gold if g.sib_id is not None}
    rows = []
    for row in _jsonl(root / SIB_FILE):
        index_id = int(row["meta"]["index_id"])
        if index_id in by_id:
            g = by_id[index_id]
            rows.append(GoldText(f"sib{index_id}-{row['lang']}", row["text"], row["lang"], g.topics, g.crisis,
                                 g.source, index_id))
    return rows


def _rate(hits: int, n: int) -> float:
    return round(hits / n, 4) if n else 0.0


def _listed(example: GoldText, prediction: Prediction) -> dict:
    return {"id": example.id, "lang": example.language, "text": example.text[:300],
            "gold": sorted(example.topics), "predicted": {t: round(s, 3) for t, s in sorted(prediction.scores.items())},
            "risk": prediction.risk}


def score_gold(examples: Sequence[GoldText], predictions: Sequence[Prediction]) -> dict:
    """Per-topic P/R/F1, macro-F1, and per language: crisis recall, false and missed help lines."""
    pairs = list(zip(examples, predictions, strict=True))
    per_topic = multi_label(TOPICS, [e.topics for e in examples], [p.topics() for p in predictions])
    by_language: dict[str, dict] = {}
    for language in sorted({e.language for e in examples}):
        subset = [(e, p) for e, p in pairs if e.language == language]
        crisis = [(e, p) for e, p in subset if e.crisis]
        non_health = [(e, p) for e, p in subset if not e.health]
        topics = multi_label(TOPICS, [e.topics for e, _ in subset], [p.topics() for _, p in subset])
        suicide = next(s for s in topics if s.topic == CRISIS_TOPIC)
        by_language[language] = {
            "n": len(subset),
            "crisis_n": len(crisis),
            "crisis_help_line": sum(p.crisis_line() for _, p in crisis),
            "crisis_recall": _rate(sum(p.crisis_line() for _, p in crisis), len(crisis)),
            "non_health_n": len(non_health),
            "non_health_any_topic": sum(bool(p.scores) for _, p in non_health),
            "non_health_any_topic_rate": _rate(sum(bool(p.scores) for _, p in non_health), len(non_health)),
            "false_help_lines": sum(bool(p.help_lines()) or p.crisis_line() for _, p in non_health),
            "false_help_line_rate": _rate(
                sum(bool(p.help_lines()) or p.crisis_line() for _, p in non_health), len(non_health)),
            "suicide_self_harm": suicide.as_dict(),
            "macro_f1_topics_present": macro_f1(s for s in topics if s.support),
        }
    return {
        "n": len(examples),
        "per_topic": [s.as_dict() for s in per_topic],
        "macro_f1": macro_f1(per_topic),
        "by_language": by_language,
        "missed_help_lines": [_listed(e, p) for e, p in pairs if e.crisis and not p.crisis_line()],
        "false_help_lines": [
            _listed(e, p) for e, p in pairs if not e.health and (p.help_lines() or p.crisis_line())
        ],
        "non_health_tagged": [_listed(e, p) for e, p in pairs if not e.health and p.scores],
        "crisis_line_on_non_crisis": [
            _listed(e, p) for e, p in pairs if not e.crisis and CRISIS_TOPIC not in e.topics and p.crisis_line()
        ],
    }


def score_weak_crisis(examples: Sequence[GoldText], predictions: Sequence[Prediction]) -> dict:
    """Per language, the crisis line rate on the source's "suicidal" and "not_suicidal" tweets."""
    out: dict[str, dict] = {}
    counts: dict[tuple[str, bool], Counter[bool]] = defaultdict(Counter)
    for e, p in zip(examples, predictions, strict=True):
        counts[(e.language, e.crisis)][p.crisis_line()] += 1
    for language in sorted({e.language for e in examples}):
        pos, neg = counts[(language, True)], counts[(language, False)]
        out[language] = {
            "suicidal_n": sum(pos.values()), "suicidal_given_crisis_line": pos[True],
            "recall_vs_source_label": _rate(pos[True], sum(pos.values())),
            "not_suicidal_n": sum(neg.values()), "not_suicidal_given_crisis_line": neg[True],
            "rate_on_not_suicidal": _rate(neg[True], sum(neg.values())),
        }
    return out


def score_sib(examples: Sequence[GoldText], predictions: Sequence[Prediction]) -> dict:
    """Per language: macro-F1 over the topics the gold SIB sentences hold, non-health false tags, and
    agreement with the English predictions of the same sentence."""
    english = {e.sib_id: p.topics() for e, p in zip(examples, predictions, strict=True) if e.language == "en"}
    present = sorted({t for e in examples for t in e.topics if t in TOPICS})
    out = {}
    for language in [lang for lang in SIB_ALL_LANGUAGES if any(e.language == lang for e in examples)]:
        subset = [(e, p) for e, p in zip(examples, predictions, strict=True) if e.language == language]
        topics = multi_label(present, [e.topics for e, _ in subset], [p.topics() for _, p in subset])
        non_health = [p for e, p in subset if not e.health]
        health = [(e, p) for e, p in subset if e.topics & set(present)]
        out[language] = {
            "n": len(subset),
            "macro_f1": macro_f1(topics),
            "health_sentence_recall": _rate(sum(bool(e.topics & p.topics()) for e, p in health), len(health)),
            "non_health_any_topic_rate": _rate(sum(bool(p.scores) for p in non_health), len(non_health)),
            "same_topics_as_english": _rate(sum(p.topics() == english.get(e.sib_id) for e, p in subset), len(subset)),
            "per_topic": [s.as_dict() for s in topics],
        }
    return out


def predict_all(tagger: Tagger, examples: Sequence[GoldText]) -> list[Prediction]:
    """``tagger`` applied to every example's text in its own language."""
    return [tagger(e.text, e.language) for e in examples]
