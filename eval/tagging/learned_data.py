"""Training rows of the learned heads, built at run time from ../shared (never copied into the repo).

Weak labels (always in training):
- Reddit (RMHD): a post is positive for its subreddit's topic (``eval_data.SUBREDDIT_TOPICS``) and
  negative for the other Reddit topics; non-health subreddits are negative for every topic; other
  mental-health subreddits (bpd, ptsd, ...) say nothing about the leaf topics and are left out. A
  r/SuicideWatch post is also a weak crisis positive (many hold no suicidal text, so it is weak; without
  it the crisis head saw no English Reddit crisis at all when the gold Reddit source was held out); a
  non-health post is a crisis negative. A post of another health subreddit (depression, anxiety, ...) is a
  crisis negative at ``REDDIT_HEALTH_CRISIS_WEIGHT``: many r/depression posts are suicidal, so the label is
  noisy, but without it the head learned r/SuicideWatch against non-health posts and gave the crisis line
  to distress of every kind. These crisis labels are separate rows (``REDDIT_CRISIS``) so the English crisis
  threshold can be set on their out-of-fold scores, as the es / pt / id thresholds are on the weak tweets.
- SIB-200, all 12 languages: ``sib200_labels.yaml`` labels four topics; a non-health sentence is
  negative for every topic, a health sentence only for the four labelled topics.
- crisis_weak_{es,pt,id}: "suicidal" is positive, "not_suicidal" negative, for suicide_self_harm and crisis.
  The source sets label many figurative tweets "suicidal" ("me quiero morir de risa"), so a "suicidal" tweet
  counts ``WEAK_SUICIDAL_WEIGHT``; "not_suicidal" is the cleaner label (``WEAK_NOT_SUICIDAL_WEIGHT``).

Post-level truth (gold_dev) joins only through cross-validation by source. Every weak text that is also
a gold_dev text (the gold Reddit posts come from RMHD, the gold SIB rows from SIB-200) is left out, so a
held-out gold source is never seen in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.tagging import eval_data, gold

CRISIS = "crisis"  # the head for ``crisis`` (current risk), beside the topic heads
HEADS = (*gold.TOPICS, CRISIS)
REDDIT_HEAD_TOPICS = frozenset(t for t in eval_data.SUBREDDIT_TOPICS.values() if t)
SIB_HEAD_TOPICS = frozenset(("infectious_disease", "vaccines", "substance_use", "depression"))
WEAK_SUICIDAL_WEIGHT = 1.0
WEAK_NOT_SUICIDAL_WEIGHT = 1.0
REDDIT_HEALTH_CRISIS_WEIGHT = 0.5  # chosen in cross-validation among 0.25 / 0.5 / 1.0 (docs/tagging.md)
REDDIT_CRISIS = "weak:reddit-crisis"  # the crisis-only rows of the Reddit health posts
WEAK_CRISIS_SOURCES = ("weak:crisis", REDDIT_CRISIS)  # rows that set a language's crisis threshold


@dataclass(frozen=True)
class Row:
    """One training text: per head, 1 / 0, or None when the row says nothing about that head."""

    text: str
    language: str
    labels: tuple[float | None, ...]  # aligned with HEADS
    source: str  # "weak:reddit", "weak:sib", "weak:crisis" or the gold source_repo
    weight: float = 1.0


def _labels(positive: frozenset[str], known: frozenset[str], crisis: bool | None) -> tuple[float | None, ...]:
    values: list[float | None] = [(1.0 if t in positive else 0.0) if t in known else None for t in gold.TOPICS]
    values.append(None if crisis is None else float(crisis))
    return tuple(values)


def weak_rows(root: Path, gold_texts: frozenset[str], gold_sib_ids: frozenset[int]) -> list[Row]:
    """Every weak-label row, minus the texts that gold_dev holds."""
    rows: list[Row] = []
    # The held-out Reddit split stays out of training: the secondary Reddit table is scored on it.
    reddit = [e for e in eval_data.reddit_examples(root)
              if e.text not in gold_texts and not e.group.startswith("mh_other:") and e.split == "dev"]
    for e in reddit:
        known = REDDIT_HEAD_TOPICS if e.gold else frozenset(gold.TOPICS)
        rows.append(Row(e.text, "en", _labels(e.gold, known, None if e.gold else False), "weak:reddit"))
    for e in reddit:
        if e.gold:  # a health subreddit: r/SuicideWatch is "suicidal", the others are not
            suicidal = gold.CRISIS_TOPIC in e.gold
            weight = 1.0 if suicidal else REDDIT_HEALTH_CRISIS_WEIGHT
            rows.append(Row(e.text, "en", _labels(frozenset(), frozenset(), suicidal), REDDIT_CRISIS, weight))
    for e in eval_data.sib_examples(root, gold.SIB_ALL_LANGUAGES):
        if int(e.ref) in gold_sib_ids:
            continue
        health = e.group == "health"
        known = SIB_HEAD_TOPICS if health else frozenset(gold.TOPICS)
        rows.append(Row(e.text, e.language, _labels(e.gold, known, False), "weak:sib"))
    for w in gold.weak_crisis_examples(root):
        suicidal = w.crisis
        weight = WEAK_SUICIDAL_WEIGHT if suicidal else WEAK_NOT_SUICIDAL_WEIGHT
        rows.append(Row(w.text, w.language, _labels(w.topics, frozenset({gold.CRISIS_TOPIC}), suicidal), "weak:crisis",
                        weight))
    return rows


def gold_rows(examples: Sequence[gold.GoldText], weight: float) -> list[Row]:
    """gold_dev rows with every head labelled."""
    return [
        Row(e.text, e.language, _labels(e.topics, frozenset(gold.TOPICS), e.crisis), e.source, weight)
        for e in examples
    ]


def label_matrix(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    """(targets, mask): targets 0/1 per head and a mask of the labels that are known."""
    targets = np.array([[0.0 if v is None else v for v in r.labels] for r in rows])
    mask = np.array([[v is not None for v in r.labels] for r in rows])
    return targets, mask
