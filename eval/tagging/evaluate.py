"""Tagging evaluation: ``python -m eval.tagging.evaluate`` -> results/tagging_eval.json and .md.

Reddit (English, subreddit labels): each post gets one predicted label, its best-scoring emitted topic
among ``REDDIT_TOPICS`` (or "none"); per-topic precision / recall / F1, macro-F1 and the confusion are
computed on that label, for the dev split and, separately, the held-out split. Every emission is also
scored multi-label (a depression post that also says "I want to die" then counts against
suicide_self_harm precision, which the subreddit label cannot know). SIB-200 gives per-language numbers
on the same sentences in en id es pt fr ja ko and the false-tag rate on non-health sentences.

The adopted configuration (keywords + the learned signal, ``learned.py``, when its model package is
installed) is reported in full; the Reddit splits are also reported for keywords alone, for comparison.
The head was trained on the dev split only, so the held-out split is the honest number.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from eval.tagging import eval_data
from eval.tagging.eval_data import REDDIT_TOPICS, LabelledText
from eval.tagging.report import write_markdown
from eval.tagging.scores import NONE, confusion, macro_f1, multi_label, single_label
from workers.errors import InfrastructureError
from workers.tagging.core import TopicSignal, tag
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import TagInput, TagOptions, TagResult

TARGETS = {"macro_f1": 0.80, "suicide_precision": 0.95, "suicide_recall": 0.85}


def tag_text(
    example: LabelledText, taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> TagResult:
    """Tag one example's text as a transcript in its own language."""
    return tag(TagInput(transcript=example.text, language=example.language), taxonomy, options, signal)


def primary_topic(result: TagResult, topics: Sequence[str]) -> str:
    """The most severe emitted topic, ``topics`` being in severity order, else "none".

    Severity, not score, picks the label because that is what routing does: a post that is tagged
    suicide_self_harm gets the crisis PSA whatever else it is about.
    """
    emitted = set(result.topic_ids())
    return next((t for t in topics if t in emitted), NONE)


def evaluate_reddit(
    examples: list[LabelledText], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> dict:
    """Single-label and multi-label scores, confusion, and the other mental-health subreddits."""
    labelled = [e for e in examples if not e.group.startswith("mh_other:")]
    started = time.perf_counter()
    results = [tag_text(e, taxonomy, options, signal) for e in labelled]
    ms_per_text = 1000 * (time.perf_counter() - started) / max(1, len(labelled))
    gold = [next(iter(e.gold), NONE) for e in labelled]
    predicted = [primary_topic(r, REDDIT_TOPICS) for r in results]
    single = single_label(REDDIT_TOPICS, gold, predicted)
    multi = multi_label(REDDIT_TOPICS, [e.gold for e in labelled], [frozenset(r.topic_ids()) for r in results])
    return {
        "n": len(labelled),
        "single_label": [s.as_dict() for s in single],
        "macro_f1": macro_f1(single),
        "multi_label": [s.as_dict() for s in multi],
        "multi_label_macro_f1": macro_f1(multi),
        "confusion": confusion(gold, predicted),
        "ms_per_text": round(ms_per_text, 2),
        "controls_any_health_topic": _rate([r for r, g in zip(results, gold, strict=True) if g == NONE]),
        "mental_health_other": _mh_other(
            [e for e in examples if e.group.startswith("mh_other:")], taxonomy, options, signal
        ),
    }


def _rate(results: list[TagResult]) -> dict:
    tagged = sum(bool(r.topics) for r in results)
    return {"n": len(results), "tagged": tagged, "rate": round(tagged / len(results), 4) if results else 0.0}


def _mh_other(
    examples: list[LabelledText], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None
) -> dict:
    results = [tag_text(e, taxonomy, options, signal) for e in examples]
    leaf = Counter(primary_topic(r, REDDIT_TOPICS) for r in results)
    parent = sum("mental_health" in r.topic_ids() for r in results)
    return {
        "n": len(results),
        "mental_health_recall": round(parent / len(results), 4) if results else 0.0,
        "primary_leaf_topic": dict(leaf.most_common()),
    }


def evaluate_sib(
    examples: list[LabelledText], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> dict:
    """Per-language multi-label scores on the labelled topics and the non-health false-tag rate."""
    topics = tuple(eval_data.sib_labels()["evaluated_topics"])
    report = {}
    for language in sorted({e.language for e in examples}):
        subset = [e for e in examples if e.language == language]
        results = [tag_text(e, taxonomy, options, signal) for e in subset]
        scores = multi_label(topics, [e.gold for e in subset], [frozenset(r.topic_ids()) for r in results])
        non_health = [r for e, r in zip(subset, results, strict=True) if e.group != "health"]
        report[language] = {
            "per_topic": [s.as_dict() for s in scores],
            "macro_f1": macro_f1(scores),
            "non_health_any_topic": _rate(non_health),
        }
    return report


def evaluate_tricky(
    cases: list[dict], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> dict:
    """Pass rate of the hand-written tricky cases per language, with the failures."""
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures = []
    for case in cases:
        fields = TagInput(caption=case["text"], language=case["lang"])
        got = set(tag(fields, taxonomy, options, signal).topic_ids())
        ok = set(case["expect"]) <= got and not set(case["forbid"]) & got
        total[case["lang"]] += 1
        passed[case["lang"]] += ok
        if not ok:
            failures.append({"lang": case["lang"], "text": case["text"], "got": sorted(got)})
    return {
        "per_language": {lang: {"passed": passed[lang], "total": n} for lang, n in total.items()},
        "failures": failures,
    }


def check_targets(reddit: dict) -> dict:
    """Targets of the issue, assessed on one Reddit split's single-label scores."""
    suicide = next(s for s in reddit["single_label"] if s["topic"] == "suicide_self_harm")
    return {
        "macro_f1": {
            "value": reddit["macro_f1"],
            "target": TARGETS["macro_f1"],
            "met": reddit["macro_f1"] >= TARGETS["macro_f1"],
        },
        "suicide_precision": {
            "value": suicide["precision"],
            "target": TARGETS["suicide_precision"],
            "met": suicide["precision"] >= TARGETS["suicide_precision"],
        },
        "suicide_recall": {
            "value": suicide["recall"],
            "target": TARGETS["suicide_recall"],
            "met": suicide["recall"] >= TARGETS["suicide_recall"],
        },
    }


def load_signal(options: TagOptions) -> tuple[TopicSignal | None, str]:
    """The learned signal when the options want it and its model package is installed, and a note."""
    if not options.use_learned_signal:
        return None, "off (options)"
    from workers.tagging.learned import LearnedSignal

    try:
        return LearnedSignal(), "keywords + learned signal (all-MiniLM-L6-v2 + softmax head)"
    except InfrastructureError as exc:
        return None, f"keywords only: learned signal unavailable ({exc})"


def run(root: Path, options: TagOptions) -> dict:
    """Build every labelled set from ``root`` (../shared) and evaluate the packaged taxonomy."""
    taxonomy = load_taxonomy()
    signal, configuration = load_signal(options)
    reddit = eval_data.reddit_examples(root)
    splits = {split: [e for e in reddit if e.split == split] for split in ("dev", "heldout")}
    by_split = {split: evaluate_reddit(examples, taxonomy, options, signal) for split, examples in splits.items()}
    keyword_only = {split: evaluate_reddit(examples, taxonomy, options) for split, examples in splits.items()}
    return {
        "taxonomy_version": taxonomy.version,
        "configuration": configuration,
        "options": vars(options) if hasattr(options, "__dict__") else {},
        "sources": {
            "reddit": eval_data.REDDIT_SOURCE,
            "sib200": eval_data.sib_labels()["source"],
            "tricky": "eval/tagging/tricky_cases.yaml (written for this project)",
        },
        "subreddit_mapping": eval_data.SUBREDDIT_TOPICS,
        "reddit": by_split,
        "targets": {split: check_targets(r) for split, r in by_split.items()},
        "reddit_keyword_only": keyword_only,
        "targets_keyword_only": {split: check_targets(r) for split, r in keyword_only.items()},
        "sib200": evaluate_sib(eval_data.sib_examples(root), taxonomy, options, signal),
        "tricky": evaluate_tricky(eval_data.tricky_cases(), taxonomy, options, signal),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and write the json and markdown results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=eval_data.shared_dir())
    parser.add_argument("--out-dir", type=Path, default=Path("results"))
    args = parser.parse_args(argv)
    if not (args.shared_dir / eval_data.REDDIT_FILE).exists():
        print(f"reference data not found under {args.shared_dir} (set FIDES_SHARED_DIR)", file=sys.stderr)
        return 2
    report = run(args.shared_dir, TagOptions())
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "tagging_eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.out_dir / "tagging_eval.md").write_text(write_markdown(report), encoding="utf-8")
    print(write_markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
