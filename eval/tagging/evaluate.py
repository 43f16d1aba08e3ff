"""Tagging evaluation on post-level truth: ``python -m eval.tagging.evaluate`` -> results/tagging_eval.json, .md.

Primary: ../shared/text/gold_dev.jsonl (761 texts, six languages, labelled post by post). Reported per
topic (precision / recall / F1, macro-F1 over the 13 taxonomy topics) and per language: crisis recall
(crisis texts given the crisis help line), false help lines (a help line on a text with no health topic)
and non-health texts given any topic; the texts behind every missed and false help line are listed.

Configurations, all on the same rows:
- ``keywords``: the taxonomy alone (no learned signal). Its terms are general knowledge, not tuned
  by reading gold_dev, but the same person wrote them and reads this report: not a held-out number.
- ``adopted``: keywords + the learned heads, **cross-validated by source** (``train_heads.crossval``:
  leave-one-source-out, calibration and per-topic policy chosen on inner folds). In-sample numbers of the
  shipped heads are never reported.
- ``before``: the tagger as it was before the multilingual heads (recorded in results/tagging_eval_before.json).

Also: the SIB-200 gold sentences in all 12 languages (the SIB source's cross-validated heads), the weak
crisis tweets (crisis_weak_*; heads trained without that language's weak tweets), a reliability table of
the cross-validated calibrated probabilities, and, secondary, the Reddit held-out split (subreddit labels;
the heads trained on the dev split only) and the hand-written tricky cases.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.tagging import eval_data, gold, train_heads
from eval.tagging.embedding_cache import embed_cached
from eval.tagging.eval_data import REDDIT_TOPICS, LabelledText
from eval.tagging.report import write_markdown
from eval.tagging.scores import NONE, confusion, macro_f1, multi_label, single_label
from workers.errors import InfrastructureError
from workers.tagging.claims import ClaimMatcher, load_matcher
from workers.tagging.core import TopicSignal, keyword_result, speaks_of_a_person, tag
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import TagInput, TagOptions, TagResult

TARGETS = {
    "crisis_recall_per_language": 0.95, "suicide_precision": 0.90, "macro_f1": 0.85,
    "non_health_any_topic_rate_per_language": 0.03, "sib200_within_points_of_english": 5,
}
BEFORE_FILE = "tagging_eval_before.json"
ROUND1_FILE = "tagging_eval_round1.json"  # the first multilingual round (strict folds, one crisis threshold)
RELIABILITY_BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def tag_text(
    example: LabelledText, taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> TagResult:
    """Tag one example's text as a transcript in its own language."""
    return tag(TagInput(transcript=example.text, language=example.language), taxonomy, options, signal)



def primary_topic(result: TagResult, topics: Sequence[str]) -> str:
    """The most severe emitted topic, ``topics`` being in severity order, else "none"."""
    emitted = set(result.topic_ids())
    return next((t for t in topics if t in emitted), NONE)


REDDIT_KINDS = ("suicidewatch", "other_health", "non_health")  # the crisis line's table, in this order


def _reddit_kind(labels: frozenset[str]) -> str:
    if gold.CRISIS_TOPIC in labels:
        return "suicidewatch"
    return "other_health" if labels else "non_health"


def evaluate_reddit(
    examples: list[LabelledText], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> dict:
    """Single-label and multi-label scores on subreddit labels (secondary: membership is not topic)."""
    labelled = [e for e in examples if not e.group.startswith("mh_other:")]
    started = time.perf_counter()
    results = [tag_text(e, taxonomy, options, signal) for e in labelled]
    ms_per_text = 1000 * (time.perf_counter() - started) / max(1, len(labelled))
    gold_labels = [next(iter(e.gold), NONE) for e in labelled]
    predicted = [primary_topic(r, REDDIT_TOPICS) for r in results]
    single = single_label(REDDIT_TOPICS, gold_labels, predicted)
    controls = [r for r, g in zip(results, gold_labels, strict=True) if g == NONE]
    kinds = [_reddit_kind(e.gold) for e in labelled]
    lines = [gold.Prediction({t.topic: t.score for t in r.topics}, r.risk).crisis_line() for r in results]
    per_kind = Counter(kinds)
    lines_per_kind = Counter(k for k, line in zip(kinds, lines, strict=True) if line)
    return {
        "n": len(labelled),
        "single_label": [s.as_dict() for s in single],
        "macro_f1": macro_f1(single),
        "multi_label_macro_f1": macro_f1(
            multi_label(REDDIT_TOPICS, [e.gold for e in labelled], [frozenset(r.topic_ids()) for r in results])
        ),
        "confusion": confusion(gold_labels, predicted),
        "ms_per_text": round(ms_per_text, 2),
        # The crisis line by kind of subreddit: an out-of-sample check of the English crisis threshold (set on
        # the dev split's r/SuicideWatch against the other health subreddits).
        "crisis_line_by_subreddit_kind": {
            kind: {"n": per_kind[kind], "lines": lines_per_kind[kind]} for kind in REDDIT_KINDS
        },
        "controls_any_health_topic": {
            "n": len(controls), "tagged": sum(bool(r.topics) for r in controls),
            "rate": round(sum(bool(r.topics) for r in controls) / max(1, len(controls)), 4),
        },
    }


def evaluate_tricky(
    cases: list[dict], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None,
    claims: ClaimMatcher | None = None,
) -> dict:
    """Pass rate of the hand-written tricky cases per language, with the failures."""
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures = []
    for case in cases:
        fields = TagInput(caption=case["text"], language=case["lang"])
        got = set(tag(fields, taxonomy, options, signal, claims).topic_ids())
        ok = set(case["expect"]) <= got and not set(case["forbid"]) & got
        total[case["lang"]] += 1
        passed[case["lang"]] += ok
        if not ok:
            failures.append({"lang": case["lang"], "text": case["text"], "got": sorted(got)})
    return {"per_language": {k: {"passed": passed[k], "total": n} for k, n in total.items()}, "failures": failures}


AMBIGUOUS = "ambiguous"  # a probe as often exasperation as a crisis: reported apart
FIGURATIVE = frozenset({"hyperbole", "abuse", "everyday"})  # no one at risk: the crisis line is a false one


def _probe_group(kind: str) -> str:
    return kind if kind == AMBIGUOUS else "figurative" if kind in FIGURATIVE else "crisis"


def evaluate_probes(
    probes: list[dict], taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None
) -> dict:
    """Per language: how many crisis probes get the crisis topic and the crisis line, and the ones without it;
    how many figurative ones get the line, and which."""
    counts: dict[str, Counter[str]] = {}
    without_line, false_line = [], []
    for probe in probes:
        result = tag(TagInput(caption=probe["text"], language=probe["lang"]), taxonomy, options, signal)
        line = gold.Prediction({t.topic: t.score for t in result.topics}, result.risk).crisis_line()
        group = _probe_group(probe["kind"])
        tally = counts.setdefault(probe["lang"], Counter())
        tally[f"{group}_n"] += 1
        tally[f"{group}_topic"] += gold.CRISIS_TOPIC in result.topic_ids()
        tally[f"{group}_line"] += line
        entry = {"lang": probe["lang"], "kind": probe["kind"], "text": probe["text"], "risk": result.risk}
        if group == "crisis" and not line:
            without_line.append(entry)
        elif group == "figurative" and line:
            false_line.append(entry)
    return {"per_language": {lang: dict(c) for lang, c in counts.items()}, "crisis_without_line": without_line,
            "figurative_with_line": false_line}


def reliability(probabilities: np.ndarray, examples: Sequence[gold.GoldText]) -> dict:
    """Per head: bins of cross-validated calibrated probability, mean probability and observed rate."""
    out = {}
    for h, head in enumerate(train_heads.HEADS):
        truth = np.array([e.crisis if head == "crisis" else head in e.topics for e in examples], dtype=float)
        rows = []
        for lo, hi in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False):
            inside = (probabilities[:, h] >= lo) & (probabilities[:, h] < hi)
            if inside.any():
                rows.append({"bin": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": int(inside.sum()),
                             "mean_p": round(float(probabilities[inside, h].mean()), 3),
                             "observed": round(float(truth[inside].mean()), 3)})
        brier = float(((probabilities[:, h] - truth) ** 2).mean())
        out[head] = {"positives": int(truth.sum()), "brier": round(brier, 4), "bins": rows}
    return out


def _keywords(
    rows: Sequence[gold.GoldText], taxonomy: Taxonomy, options: TagOptions, claims: ClaimMatcher | None = None
) -> list:
    return [keyword_result(TagInput(transcript=e.text, language=e.language), taxonomy, options, claims) for e in rows]


def _probabilities(weights: np.ndarray, calibration: np.ndarray, x: np.ndarray) -> np.ndarray:
    return train_heads.apply_calibration(train_heads.scores_of(weights, x), calibration)


def evaluate_learned(
    root: Path, taxonomy: Taxonomy, options: TagOptions, encoder: object, claims: ClaimMatcher | None
) -> dict:
    """Everything that needs the heads: cross-validated gold_dev, SIB-200 x 12, weak crisis tweets.

    The keyword side includes the known-false-claim matcher (``claims.py``) as the stage runs it.
    """
    data = train_heads.load_data(root, encoder, taxonomy, options, claims)
    cv = train_heads.crossval(data, options)
    final = train_heads.final_heads(data, cv, options)
    adopted = train_heads.adoption(data, cv, options)
    keywords_only = train_heads.predictions(data.gold_keywords, None, {}, options)
    sib_rows = gold.sib_parallel(root, data.gold)
    sib_source = next(e.source for e in data.gold if e.sib_id is not None)
    weights, calibration = cv["models"][sib_source]
    sib_keywords = _keywords(sib_rows, taxonomy, options, claims)
    sib_prob = _probabilities(weights, calibration, embed_cached(encoder, [e.text for e in sib_rows]))  # type: ignore[arg-type]
    weak = gold.weak_crisis_examples(root)
    weak_preds: list[gold.Prediction] = []
    weak_kw_preds: list[gold.Prediction] = []
    for language in sorted({e.language for e in weak}):
        rows = [e for e in weak if e.language == language]
        linked = {src for src, group in train_heads.SAME_DATA_SET.items() if group == f"weak:crisis:{language}"}
        w = train_heads.solve(train_heads._trained_on(data.stats, {f"weak:crisis:{language}:"} | linked))
        kw = _keywords(rows, taxonomy, options, claims)
        prob = _probabilities(w, final.calibration, embed_cached(encoder, [e.text for e in rows]))  # type: ignore[arg-type]
        weak_preds += train_heads.predictions(kw, prob, final.policy, options)
        weak_kw_preds += train_heads.predictions(kw, None, {}, options)
    weak_order = [e for language in sorted({e.language for e in weak}) for e in weak if e.language == language]
    return {
        "heads": final,
        "gold_dev": {
            "adopted_crossvalidated": gold.score_gold(data.gold, train_heads.adopted_predictions(
                data, cv, adopted, options)),
            "all_heads_crossvalidated": gold.score_gold(data.gold, cv["predictions"]),
            "keywords": gold.score_gold(data.gold, keywords_only),
        },
        "adopted_heads": adopted,
        "policies_per_fold": {
            k: {t: vars(p) for t, p in policy.items() if p.add_at is not None or p.veto_below is not None}
            for k, policy in cv["policies"].items()
        },
        "shipped_policy": {t: vars(p) for t, p in final.policy.items()},
        "reliability_crossvalidated": reliability(cv["probabilities"], data.gold),
        "sib200_parallel": {
            "adopted_crossvalidated": gold.score_sib(sib_rows, train_heads.predictions(
                sib_keywords, sib_prob, train_heads.restrict(cv["policies"][sib_source], adopted), options)),
            "keywords": gold.score_sib(sib_rows, train_heads.predictions(sib_keywords, None, {}, options)),
        },
        "crisis_weak": {
            "adopted_out_of_sample": gold.score_weak_crisis(weak_order, weak_preds),
            "keywords": gold.score_weak_crisis(weak_order, weak_kw_preds),
        },
    }


def one_medium_term_share(examples: Sequence[gold.GoldText], taxonomy: Taxonomy, options: TagOptions) -> dict:
    """Per language, the weak tweets whose only crisis evidence is one medium first-person term (a keyword
    score of at least ``min_score``, under ``current_min_score``), split by their source label: the data
    behind the taxonomy's ``current_on_one_medium`` languages."""
    counts: dict[str, Counter[bool]] = {}
    for example in examples:
        keywords = keyword_result(TagInput(transcript=example.text, language=example.language), taxonomy, options)
        score = keywords.scores.get(gold.CRISIS_TOPIC, 0.0)
        if speaks_of_a_person(keywords.found, taxonomy) and options.min_score <= score < options.current_min_score:
            counts.setdefault(example.language, Counter())[example.crisis] += 1
    return {lang: {"suicidal": c[True], "not_suicidal": c[False]} for lang, c in sorted(counts.items())}


def load_signal(options: TagOptions) -> tuple[TopicSignal | None, str]:
    """The shipped learned signal when the options want it and its package is installed, and a note."""
    if not options.use_learned_signal:
        return None, "off (options)"
    from workers.tagging.learned import LearnedSignal

    try:
        return LearnedSignal(), "keywords + learned heads (USE multilingual v3 + ridge/Platt heads)"
    except InfrastructureError as exc:
        return None, f"keywords only: learned signal unavailable ({exc})"


def run(root: Path, options: TagOptions, out_dir: Path, heads_out: Path | None = None) -> dict:
    """Every evaluation; the learned parts need the encoder package. ``heads_out``: also write the shipped
    heads there (the same training as ``train_heads``), before the stage-level parts load them."""
    from workers.tagging.encoder import MultilingualEncoder
    from workers.tagging.learned import load_heads

    taxonomy = load_taxonomy()
    encoder = MultilingualEncoder()
    claims = load_matcher(encoder)
    learned = evaluate_learned(root, taxonomy, options, encoder, claims)
    heads = learned.pop("heads")
    if heads_out is not None:
        heads_out.write_text(heads.to_json() + "\n", encoding="utf-8")
        load_heads.cache_clear()
    signal, configuration = load_signal(options)
    report: dict = {
        "taxonomy_version": taxonomy.version,
        "configuration": configuration,
        "targets": TARGETS,
        "sources": {
            "gold_dev": "../shared/text/gold_dev.jsonl (post-level labels, GOLD_GUIDELINE.md)",
            "reddit": eval_data.REDDIT_SOURCE,
            "sib200": eval_data.sib_labels()["source"],
            "crisis_weak": "../shared/text/crisis_weak_{es,pt,id}.jsonl (source set's own labels, weak)",
        },
    }
    before = out_dir / BEFORE_FILE
    if before.exists():
        report["before"] = json.loads(before.read_text(encoding="utf-8"))
    round1 = out_dir / ROUND1_FILE
    if round1.exists():
        report["round1"] = json.loads(round1.read_text(encoding="utf-8"))
    report.update(learned)
    heldout = [e for e in eval_data.reddit_examples(root) if e.split == "heldout"]
    report["reddit_heldout"] = {
        "keywords": evaluate_reddit(heldout, taxonomy, options),
        "adopted": evaluate_reddit(heldout, taxonomy, options, signal),
    }
    report["weak_one_medium_term"] = one_medium_term_share(gold.weak_crisis_examples(root), taxonomy, options)
    report["tricky"] = evaluate_tricky(eval_data.tricky_cases(), taxonomy, options, signal, claims)
    probes = eval_data.crisis_probes()
    report["crisis_probes"] = {"keywords": evaluate_probes(probes, taxonomy, options),
                               "adopted": evaluate_probes(probes, taxonomy, options, signal)}
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and write the json and markdown results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=eval_data.shared_dir())
    parser.add_argument("--out-dir", type=Path, default=Path("results"))
    parser.add_argument("--write-heads", type=Path, default=None,
                        help="also write the shipped heads (e.g. workers/tagging/learned_heads.json)")
    args = parser.parse_args(argv)
    if not (args.shared_dir / gold.GOLD_FILE).exists():
        print(f"reference data not found under {args.shared_dir} (set FIDES_SHARED_DIR)", file=sys.stderr)
        return 2
    report = run(args.shared_dir, TagOptions(), args.out_dir, args.write_heads)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "tagging_eval.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    (args.out_dir / "tagging_eval.md").write_text(write_markdown(report), encoding="utf-8")
    print(write_markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
