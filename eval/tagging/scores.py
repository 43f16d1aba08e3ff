"""Precision / recall / F1 and topic confusion for the tagging evaluation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

NONE = "none"


@dataclass(frozen=True)
class Prf:
    """Counts and scores of one topic."""

    topic: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict:
        """A JSON-ready mapping."""
        return asdict(self)


def prf(topic: str, tp: int, fp: int, fn: int) -> Prf:
    """Scores from counts (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Prf(topic, tp, fp, fn, round(precision, 4), round(recall, 4), round(f1, 4), tp + fn)


def single_label(topics: Sequence[str], gold: Sequence[str], predicted: Sequence[str]) -> list[Prf]:
    """Per-topic scores when every example has one gold and one predicted label (NONE allowed)."""
    pairs = list(zip(gold, predicted, strict=True))
    return [
        prf(
            t,
            sum(g == t and p == t for g, p in pairs),
            sum(g != t and p == t for g, p in pairs),
            sum(g == t and p != t for g, p in pairs),
        )
        for t in topics
    ]


def multi_label(
    topics: Sequence[str], gold: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]]
) -> list[Prf]:
    """Per-topic scores when examples carry sets of topics (every emission counts)."""
    pairs = list(zip(gold, predicted, strict=True))
    return [
        prf(
            t,
            sum(t in g and t in p for g, p in pairs),
            sum(t not in g and t in p for g, p in pairs),
            sum(t in g and t not in p for g, p in pairs),
        )
        for t in topics
    ]


def macro_f1(scores: Iterable[Prf]) -> float:
    """Unweighted mean F1."""
    values = [s.f1 for s in scores]
    return round(sum(values) / len(values), 4) if values else 0.0


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """gold label -> predicted label -> count."""
    counts = Counter(zip(gold, predicted, strict=True))
    labels = sorted({g for g, _ in counts} | {p for _, p in counts})
    return {g: {p: counts[(g, p)] for p in labels if counts[(g, p)]} for g in labels}
