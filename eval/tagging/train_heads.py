"""Train the learned heads and cross-validate them on gold_dev by source.

``python -m eval.tagging.train_heads`` -> workers/tagging/learned_heads.json, and the cross-validated
gold_dev predictions the evaluation reports (``crossval``).

One head per topic and one for ``crisis``: ridge regression on the multilingual sentence embedding (closed
form from per-group sufficient statistics, so leaving a group out is a subtraction), then Platt
calibration. Cross-validation is leave-one-source-out over the gold_dev sources (``source_repo``):

- outer fold k: heads trained on the weak rows and the gold rows of the other sources (the weak crisis
  tweets are disjoint from gold_dev, so the tweets of source k's own data set train it; ``strict`` leaves
  them out too, as the first round did); their scores on source k are calibrated,
  and the per-topic policy applied to them, with a calibration and a policy chosen on the *inner*
  out-of-fold scores of the other sources (heads trained without source k and without that inner source);
- so no number reported for source k was trained, calibrated or thresholded on source k;
- the crisis threshold of es, pt and id is set on the out-of-fold scores of that language's weak tweets
  (``weak_thresholds``; folds of the weak tweets, heads trained without source k), not on gold rows.

The shipped heads are trained on everything; their calibration and policy come from the outer
out-of-fold scores of all sources.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.tagging import eval_data, gold, learned_data
from eval.tagging.embedding_cache import embed_cached
from eval.tagging.gold import GoldText
from workers.tagging.claims import ClaimMatcher, load_matcher
from workers.tagging.core import KeywordResult, decide, keyword_result
from workers.tagging.learned import CRISIS_HEAD, HEADS_PATH, NEVER_VETO, HeadPolicy, Heads
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import TagInput, TagOptions

HEADS = learned_data.HEADS
RIDGE = 3.0  # ridge penalty on the 512 embedding weights (the bias is not penalised)
GOLD_WEIGHT = 3.0  # a post-level label counts as this many weak labels
ADD_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.96, 0.05))
VETO_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
CRISIS_BETA = 2.0  # adoption of the crisis head compares F2: a missed crisis costs more than a spare help line
CRISIS_GRID = tuple(round(x, 2) for x in np.arange(0.10, 0.96, 0.05))  # the crisis head's shared threshold
# The crisis head may add a crisis line to at most this share of a language's health texts with no crisis
# (the shared threshold reaches the most crisis texts within it; the same share as the weak tweets' budget).
SPARE_LINE_BUDGET = 0.10
FALSE_HELP_LINE_CEILING = 0.03  # the target: at most 3 % of non-health texts get a help line, per language
FALSE_HELP_LINE_SLACK = 0.05  # where keywords alone exceed it, the crisis head may add at most 5 points
WEAK_FOLDS = 5  # the weak crisis tweets of a language are scored out of fold (5 folds) to set its threshold
# Per language with weak crisis tweets, the crisis head may give the crisis line to at most this share of the
# "not_suicidal" tweets that the keywords alone leave without it (its out-of-fold scores; the threshold is the
# lowest of the grid that keeps it, so recall of the "suicidal" tweets is the highest the budget allows).
WEAK_FALSE_LINE_BUDGET = 0.10
FLOOR_AT_SHARED = False  # a per-language crisis threshold is never below the shared one
STRICT = False  # strict folds also leave out the weak tweets of a held-out gold source's data set
# Weak rows that come from the same data set as a gold source (left out with it in strict folds).
SAME_DATA_SET = {
    "kvvaldez/spanish_suicide": "weak:crisis:es",
    "pduartedev/tcc-ideacao-suicida": "weak:crisis:pt",
    "apricitea/text-suicide-ideation-detection": "weak:crisis:id",
}


@dataclass
class Stats:
    """Sufficient statistics of one group of rows, per head: X'WX and X'Wy (X with a bias column)."""

    xtx: np.ndarray  # (heads, d+1, d+1)
    xty: np.ndarray  # (heads, d+1)


def group_stats(x: np.ndarray, targets: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> Stats:
    """Stats of rows ``x`` (embeddings) with 0/1 ``targets`` known where ``mask``.

    Rows share a few mask patterns (a Reddit post knows the Reddit topics, a SIB sentence four): X'WX is
    computed once per pattern, not once per head.
    """
    xb = np.hstack([x, np.ones((len(x), 1))]).astype(np.float64)
    heads = mask.shape[1]
    xtx = np.zeros((heads, xb.shape[1], xb.shape[1]))
    for pattern in {tuple(row) for row in mask.tolist()}:
        rows = np.all(mask == np.array(pattern), axis=1)
        weighted = xb[rows] * weights[rows, None]
        block = weighted.T @ xb[rows]
        for h in np.where(np.array(pattern))[0]:
            xtx[h] += block
    xty = ((xb * weights[:, None]).T @ (targets * mask)).T
    return Stats(xtx, xty)


def solve(stats: Sequence[Stats], ridge: float = RIDGE) -> np.ndarray:
    """Ridge weights (d+1, heads) from the summed stats of the groups trained on."""
    xtx = sum(s.xtx for s in stats)
    xty = sum(s.xty for s in stats)
    d = xtx.shape[1]
    penalty = np.eye(d) * ridge
    penalty[-1, -1] = 1e-6
    return np.stack([np.linalg.solve(xtx[h] + penalty, xty[h]) for h in range(xtx.shape[0])], axis=1)


def scores_of(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Raw head scores of rows ``x``."""
    return np.hstack([x, np.ones((len(x), 1))]) @ weights


def platt(scores: np.ndarray, labels: np.ndarray, steps: int = 50) -> tuple[float, float]:
    """Platt scaling (a, b): p = sigmoid(a * score + b), by Newton's method with Platt's smoothed targets."""
    positives = labels.sum()
    negatives = len(labels) - positives
    target = np.where(labels > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    a, b = 1.0, 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a * scores + b)))
        g = np.array([((p - target) * scores).sum(), (p - target).sum()])
        r = p * (1 - p) + 1e-9
        h = np.array([[(r * scores * scores).sum(), (r * scores).sum()], [(r * scores).sum(), r.sum()]])
        step = np.linalg.solve(h + 1e-6 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    return float(a), float(b)


def calibrate(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(heads, 2) Platt parameters fitted per head."""
    return np.array([platt(scores[:, h], targets[:, h]) for h in range(scores.shape[1])])


def apply_calibration(scores: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Calibrated probabilities."""
    return 1 / (1 + np.exp(-(scores * calibration[:, 0] + calibration[:, 1])))


def _f(tp: int, fp: int, fn: int, beta: float = 1.0) -> float:
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0


def predictions(
    keywords: Sequence[KeywordResult], probabilities: np.ndarray | None, policy: Mapping[str, HeadPolicy],
    options: TagOptions,
) -> list[gold.Prediction]:
    """The tagger's decision rule (``core.decide``) on precomputed keyword results and probabilities."""
    out = []
    for i, kw in enumerate(keywords):
        probs = dict(zip(HEADS, probabilities[i].tolist(), strict=True)) if probabilities is not None else None
        scores, risk, _ = decide(kw, probs, policy, options)
        out.append(gold.Prediction({t: s for t, s in scores.items() if s >= options.min_score}, risk))
    return out


@dataclass(frozen=True)
class WeakRows:
    """The weak crisis tweets as the crisis threshold per language sees them: keyword results, out-of-fold
    calibrated probabilities, and the tweets (source label as ``crisis``)."""

    keywords: Sequence[KeywordResult]
    probabilities: np.ndarray
    examples: Sequence[gold.GoldText]


def _keyword_lines(keywords: Sequence[KeywordResult]) -> np.ndarray:
    return np.array([k.risk == "current" or k.scores.get(gold.CRISIS_TOPIC, 0.0) >= gold.PSA_MIN_SCORE
                     for k in keywords], dtype=bool)


def _crisis_probabilities(keywords: Sequence[KeywordResult], probabilities: np.ndarray) -> np.ndarray:
    p = probabilities[:, HEADS.index(CRISIS_HEAD)].copy()
    # Where the words ruled a crisis out (``KeywordResult.crisis_head_barred``), the crisis head does not act.
    p[np.array([k.crisis_head_barred for k in keywords], dtype=bool)] = -1.0
    return p


def weak_thresholds(weak: WeakRows) -> dict[str, float | None]:
    """Per language of the weak tweets, the lowest crisis threshold of the grid whose extra crisis lines on
    "not_suicidal" tweets stay within ``WEAK_FALSE_LINE_BUDGET`` (None when none does)."""
    out: dict[str, float | None] = {}
    if not len(weak.examples):
        return out
    languages = np.array([e.language for e in weak.examples])
    not_suicidal = np.array([not e.crisis for e in weak.examples])
    spare = ~_keyword_lines(weak.keywords) & not_suicidal
    p = _crisis_probabilities(weak.keywords, weak.probabilities)
    for lang in sorted(set(languages.tolist())):
        rows = languages == lang
        budget = math.floor(WEAK_FALSE_LINE_BUDGET * int((rows & not_suicidal).sum()))
        out[str(lang)] = next((float(at) for at in ADD_GRID if int(((p >= at) & spare & rows).sum()) <= budget), None)
    return out


def choose_policy(
    keywords: Sequence[KeywordResult], probabilities: np.ndarray, examples: Sequence[gold.GoldText],
    options: TagOptions, weak: WeakRows | None = None,
) -> dict[str, HeadPolicy]:
    """Per head, the add / veto thresholds that maximise its F1 on these rows; for crisis, the help line's reach.

    The crisis threshold: one, the one that gives the most crisis texts a help line on these rows while
    keeping, per language, false help lines on non-health texts within ``FALSE_HELP_LINE_CEILING`` (within
    ``FALSE_HELP_LINE_SLACK`` of the keywords' own rate where that is higher) and added lines on health
    texts without a crisis within ``SPARE_LINE_BUDGET``; a language over either budget is skipped. It is
    overridden per language with weak crisis tweets (es, pt, id) by the threshold those tweets give
    (``weak_thresholds``).

    Vectorised mirror of ``core.decide`` (the reported predictions go through ``decide`` itself). A
    threshold is kept only where it beats keywords alone (None) on these rows: ties keep None.
    """
    policy: dict[str, HeadPolicy] = {}
    per_language = weak_thresholds(weak) if weak is not None else {}
    crisis = np.array([e.crisis for e in examples])
    kw_current = np.array([k.risk == "current" for k in keywords])
    p_crisis = _crisis_probabilities(keywords, probabilities)
    non_health = np.array([not e.health for e in examples])
    languages = np.array([e.language for e in examples])
    keyword_lines = _keyword_lines(keywords)
    own = np.isin(languages, list(per_language))
    per_language_fires = np.zeros(len(examples), dtype=bool)
    for lang, at in per_language.items():
        if at is not None:
            per_language_fires |= (languages == lang) & (p_crisis >= at)

    def false_lines(lines: np.ndarray, language: str) -> int:
        return int((lines & non_health & (languages == language)).sum())

    # Per language with enough non-health rows, the head may not push false help lines above the target
    # (rounded up: 3 % of 23 rows allows one text), or more than FALSE_HELP_LINE_SLACK above what
    # the keywords alone give where they already exceed it.
    checked = [lang for lang in sorted(set(languages)) if (non_health & (languages == lang)).sum() >= 10]
    ceiling = {}
    for lang in checked:
        n, own_lines = int((non_health & (languages == lang)).sum()), false_lines(keyword_lines, lang)
        target = math.ceil(FALSE_HELP_LINE_CEILING * n)
        ceiling[lang] = target if own_lines <= target else own_lines + math.ceil(FALSE_HELP_LINE_SLACK * n)
    # Per threshold, the head acts in the languages where it stays within both budgets (and in the languages
    # these rows have too few texts to judge): false help lines on non-health texts under the ceiling, and
    # crisis lines it adds to health texts without a crisis under ``SPARE_LINE_BUDGET`` of them (a help line
    # on a depression post costs less than a missed crisis, but not nothing). The threshold that reaches the
    # most crisis texts wins (ties: the higher threshold). Every row counts here (the crisis texts of es, pt
    # and id are what the English Reddit fold's inner rows hold); languages with their own threshold then use it.
    spare_rows = ~crisis & ~non_health
    spare_checked = {lang: int((spare_rows & (languages == lang)).sum()) for lang in sorted(set(languages))}
    best_recall, best_at, best_skip = int((keyword_lines & crisis).sum()), None, ()

    def over_budget(fires: np.ndarray, lang: str) -> bool:
        if lang in ceiling and false_lines(keyword_lines | fires, lang) > ceiling[lang]:
            return True
        added = int((fires & ~keyword_lines & spare_rows & (languages == lang)).sum())
        return spare_checked[lang] >= 10 and added > math.floor(SPARE_LINE_BUDGET * spare_checked[lang])

    for add_at in CRISIS_GRID:
        fires = p_crisis >= add_at
        skip = tuple(str(lang) for lang in sorted(set(languages)) if over_budget(fires, lang))
        fires = fires & ~np.isin(languages, skip)
        recall = int(((keyword_lines | fires) & crisis).sum())
        if recall > best_recall or (recall == best_recall and best_at is not None):
            best_recall, best_at, best_skip = recall, add_at, skip
    # FLOOR_AT_SHARED (off: cross-validation lost one pt crisis text with it, no false line fewer): a language's
    # own tweets would only make the head stricter than the shared threshold, never looser; their
    # "suicidal" side is noisy, so going below what the gold rows support has no evidence behind it.
    if best_at is not None and FLOOR_AT_SHARED:
        per_language = {lang: (max(at, best_at) if at is not None else None) for lang, at in per_language.items()}
        per_language_fires = np.zeros(len(examples), dtype=bool)
        for lang, at in per_language.items():
            if at is not None:
                per_language_fires |= (languages == lang) & (p_crisis >= at)
    policy[CRISIS_HEAD] = HeadPolicy(add_at=best_at, skip_languages=best_skip if best_at is not None else (),
                                     language_add_at=tuple(sorted(per_language.items())))
    global_fires = ((p_crisis >= best_at) & ~own & ~np.isin(languages, best_skip) if best_at is not None
                    else np.zeros(len(examples), dtype=bool))
    current = kw_current | global_fires | per_language_fires
    # A head may add its topic to at most 3 % (rounded up) of a language's non-health texts.
    allowance = {lang: math.ceil(FALSE_HELP_LINE_CEILING * int((non_health & (languages == lang)).sum()))
                 for lang in checked}
    for topic in gold.TOPICS:
        truth = np.array([topic in e.topics for e in examples])
        keyword = np.array([k.scores.get(topic, 0.0) >= options.min_score for k in keywords])
        p = probabilities[:, HEADS.index(topic)]
        addable = ~keyword & np.array([topic not in k.ruled_out for k in keywords])
        best_score, best = -1.0, HeadPolicy()
        vetoes = (None,) if topic in NEVER_VETO else (None, *VETO_GRID)
        for add_at in (None, *ADD_GRID):
            for veto in vetoes:
                kept = keyword & ~(p < veto) if veto is not None else keyword
                got = kept | (addable & (p >= add_at)) if add_at is not None else kept.copy()
                if topic == gold.CRISIS_TOPIC:
                    got = got | current
                added = got & ~keyword & non_health
                if any(int((added & (languages == lang)).sum()) > allowance[lang] for lang in checked):
                    continue
                score = _f(int((got & truth).sum()), int((got & ~truth).sum()), int((~got & truth).sum()))
                if score > best_score + 1e-9:
                    best_score, best = score, HeadPolicy(add_at, veto)
        policy[topic] = best
    return policy


@dataclass
class Data:
    """Everything the cross-validation reads: rows, embeddings, stats per group, keyword results."""

    gold: list[gold.GoldText]
    gold_x: np.ndarray
    gold_targets: np.ndarray
    gold_keywords: list[KeywordResult]
    stats: dict[str, Stats]  # group -> stats (weak groups and gold sources)
    weak: list[GoldText]  # the weak crisis tweets (es, pt, id), their embeddings, groups, keyword results
    weak_x: np.ndarray
    weak_groups: list[str]
    weak_keywords: list[KeywordResult]


def _weak_group(row: learned_data.Row, index: int) -> str:
    """A weak row's training group; the crisis labels of one language (tweets; English: Reddit) fall in
    ``WEAK_FOLDS`` groups."""
    if row.source in learned_data.WEAK_CRISIS_SOURCES:
        return f"{row.source}:{row.language}:{index % WEAK_FOLDS}"
    return row.source


def _weak_example(row: learned_data.Row, index: int, tweets: Mapping[tuple[str, str], GoldText]) -> GoldText:
    """A crisis-labelled weak row as the threshold per language reads it: the tweet itself, or the Reddit post
    with its row's crisis label (r/SuicideWatch "suicidal")."""
    if row.source == learned_data.REDDIT_CRISIS:
        suicidal = bool(row.labels[HEADS.index(CRISIS_HEAD)])
        return GoldText(f"reddit-{index}", row.text, row.language, frozenset(), suicidal, row.source)
    return tweets[(row.language, row.text)]


def load_data(
    root: Path, encoder: object, taxonomy: Taxonomy, options: TagOptions, claims: ClaimMatcher | None = None
) -> Data:
    """Embed (cached) and summarise every group; keyword results with the claim matcher as the stage runs it."""
    examples = gold.gold_examples(root)
    weak = learned_data.weak_rows(
        root, frozenset(e.text for e in examples), frozenset(e.sib_id for e in examples if e.sib_id is not None)
    )
    gold_rows = learned_data.gold_rows(examples, GOLD_WEIGHT)
    rows = weak + gold_rows
    x = embed_cached(encoder, [r.text for r in rows])  # type: ignore[arg-type]
    targets, mask = learned_data.label_matrix(rows)
    weights = np.array([r.weight for r in rows])
    groups = [_weak_group(r, i) for i, r in enumerate(weak)] + [r.source for r in gold_rows]
    stats = {}
    for group in sorted(set(groups)):
        index = np.array([g == group for g in groups])
        stats[group] = group_stats(x[index], targets[index], mask[index], weights[index])
    n_weak = len(weak)
    keywords = [
        keyword_result(TagInput(transcript=e.text, language=e.language), taxonomy, options, claims) for e in examples
    ]
    crisis_rows = [i for i, r in enumerate(weak) if r.source in learned_data.WEAK_CRISIS_SOURCES]
    by_text = {(w.language, w.text): w for w in gold.weak_crisis_examples(root)}
    weak_examples = [_weak_example(weak[i], i, by_text) for i in crisis_rows]
    weak_keywords = [
        keyword_result(TagInput(transcript=e.text, language=e.language), taxonomy, options, claims)
        for e in weak_examples
    ]
    return Data(examples, x[n_weak:], targets[n_weak:], keywords, stats, weak_examples,
                x[crisis_rows] if crisis_rows else np.zeros((0, x.shape[1])), [groups[i] for i in crisis_rows],
                weak_keywords)


def excluded_with(source: str, strict: bool) -> set[str]:
    """The groups (or group prefixes, ending in ":") left out of training when ``source`` is held out."""
    linked = SAME_DATA_SET.get(source)
    return {source} | ({linked + ":"} if strict and linked else set())


def _trained_on(stats: Mapping[str, Stats], out: set[str]) -> list[Stats]:
    """The stats of every group not in ``out`` (a name there ending in ":" leaves out a whole prefix)."""
    prefixes = tuple(o for o in out if o.endswith(":"))
    return [s for g, s in stats.items() if g not in out and not (prefixes and g.startswith(prefixes))]


def weak_out_of_fold(data: Data, out: set[str]) -> np.ndarray:
    """Raw head scores of the weak crisis tweets, each fold scored by heads trained without it (and ``out``)."""
    scores = np.zeros((len(data.weak), len(HEADS)))
    groups = np.array(data.weak_groups)
    for group in sorted(set(data.weak_groups)):
        rows = groups == group
        scores[rows] = scores_of(solve(_trained_on(data.stats, out | {group})), data.weak_x[rows])
    return scores


def crossval(data: Data, options: TagOptions, strict: bool = STRICT) -> dict:
    """Outer leave-one-source-out probabilities and policies (inner folds choose calibration and policy)."""
    sources = sorted({e.source for e in data.gold})
    src = np.array([e.source for e in data.gold])
    outer_scores = np.zeros((len(data.gold), len(HEADS)))
    outer_prob = np.zeros_like(outer_scores)
    policies: dict[str, dict[str, HeadPolicy]] = {}
    models: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for k in sources:
        out_k = excluded_with(k, strict)
        weights_k = solve(_trained_on(data.stats, out_k))
        test = src == k
        outer_scores[test] = scores_of(weights_k, data.gold_x[test])
        inner_idx = np.where(~test)[0]
        inner_scores = np.zeros((len(inner_idx), len(HEADS)))
        for j in sources:
            if j == k:
                continue
            weights_kj = solve(_trained_on(data.stats, out_k | excluded_with(j, strict)))
            rows = src[inner_idx] == j
            inner_scores[rows] = scores_of(weights_kj, data.gold_x[inner_idx[rows]])
        calibration = calibrate(inner_scores, data.gold_targets[inner_idx])
        inner_prob = apply_calibration(inner_scores, calibration)
        weak = WeakRows(data.weak_keywords, apply_calibration(weak_out_of_fold(data, out_k), calibration), data.weak)
        policy = choose_policy([data.gold_keywords[i] for i in inner_idx], inner_prob,
                               [data.gold[i] for i in inner_idx], options, weak)
        policies[k] = policy
        models[k] = (weights_k, calibration)
        outer_prob[test] = apply_calibration(outer_scores[test], calibration)
    preds: list[gold.Prediction] = [gold.Prediction({})] * len(data.gold)
    for k in sources:
        idx = np.where(src == k)[0]
        for i, p in zip(idx, predictions([data.gold_keywords[i] for i in idx], outer_prob[idx], policies[k], options),
                        strict=True):
            preds[i] = p
    return {"scores": outer_scores, "probabilities": outer_prob, "policies": policies, "predictions": preds,
            "sources": sources, "models": models}


def adoption(data: Data, cv: dict, options: TagOptions) -> dict[str, bool]:
    """Per head, whether the outer cross-validation shows it helps: topic F1 (crisis: F2 of the crisis line)
    of keywords + head above keywords alone."""
    keywords = predictions(data.gold_keywords, None, {}, options)
    adopted = {}
    crisis = np.array([e.crisis for e in data.gold])
    for head in HEADS:
        if head == CRISIS_HEAD:
            with_head = np.array([p.crisis_line() for p in cv["predictions"]])
            alone = np.array([p.crisis_line() for p in keywords])
            truth, beta = crisis, CRISIS_BETA
        else:
            with_head = np.array([head in p.scores for p in cv["predictions"]])
            alone = np.array([head in p.scores for p in keywords])
            truth, beta = np.array([head in e.topics for e in data.gold]), 1.0

        def f(got: np.ndarray, truth: np.ndarray = truth, beta: float = beta) -> float:
            return _f(int((got & truth).sum()), int((got & ~truth).sum()), int((~got & truth).sum()), beta)

        adopted[head] = f(with_head) > f(alone) + 1e-9
    return adopted


def restrict(policy: Mapping[str, HeadPolicy], adopted: Mapping[str, bool]) -> dict[str, HeadPolicy]:
    """The policy with the heads that cross-validation did not adopt switched off."""
    return {h: (p if adopted.get(h, False) else HeadPolicy()) for h, p in policy.items()}


def adopted_predictions(
    data: Data, cv: dict, adopted: Mapping[str, bool], options: TagOptions
) -> list[gold.Prediction]:
    """The outer cross-validated predictions with only the adopted heads acting (per fold policies)."""
    src = np.array([e.source for e in data.gold])
    preds: list[gold.Prediction] = [gold.Prediction({})] * len(data.gold)
    for k in cv["sources"]:
        idx = np.where(src == k)[0]
        policy = restrict(cv["policies"][k], adopted)
        for i, p in zip(idx, predictions([data.gold_keywords[i] for i in idx], cv["probabilities"][idx], policy,
                                         options), strict=True):
            preds[i] = p
    return preds


def final_heads(data: Data, cv: dict, options: TagOptions) -> Heads:
    """Heads trained on every group; calibration and policy from the outer out-of-fold scores, with only the
    heads that the outer cross-validation adopted acting."""
    weights = solve(list(data.stats.values()))
    calibration = calibrate(cv["scores"], data.gold_targets)
    weak = WeakRows(data.weak_keywords, apply_calibration(weak_out_of_fold(data, set()), calibration), data.weak)
    policy = choose_policy(data.gold_keywords, apply_calibration(cv["scores"], calibration), data.gold, options, weak)
    policy = restrict(policy, adoption(data, cv, options))
    source = (
        "ridge + Platt heads on USE multilingual v3; weak labels: RMHD Reddit (subreddit), SIB-200 12 languages, "
        f"crisis_weak es/pt/id; gold_dev n={len(data.gold)} (weight {GOLD_WEIGHT}); ridge={RIDGE}; calibration and "
        "policy chosen on leave-one-source-out gold_dev scores"
    )
    return Heads(HEADS, weights.astype(np.float32), calibration, policy, "use-multilingual-v3", source)


def main(argv: Sequence[str] | None = None) -> int:
    """Train, cross-validate and write the heads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=eval_data.shared_dir())
    parser.add_argument("--out", type=Path, default=HEADS_PATH)
    args = parser.parse_args(argv)
    if not (args.shared_dir / gold.GOLD_FILE).exists():
        print(f"reference data not found under {args.shared_dir} (set FIDES_SHARED_DIR)", file=sys.stderr)
        return 2
    from workers.tagging.encoder import MultilingualEncoder

    options = TagOptions()
    encoder = MultilingualEncoder()
    data = load_data(args.shared_dir, encoder, load_taxonomy(), options, load_matcher(encoder))
    cv = crossval(data, options)
    heads = final_heads(data, cv, options)
    args.out.write_text(heads.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
