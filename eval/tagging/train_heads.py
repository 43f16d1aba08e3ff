"""Train the learned heads and cross-validate them on gold_dev by source.

``python -m eval.tagging.train_heads`` -> workers/tagging/learned_heads.json, and the cross-validated
gold_dev predictions the evaluation reports (``crossval``).

One head per topic and one for ``crisis``: ridge regression on the multilingual sentence embedding (closed
form from per-group sufficient statistics, so leaving a group out is a subtraction), then Platt
calibration. Cross-validation is leave-one-source-out over the gold_dev sources (``source_repo``):

- outer fold k: heads trained on the weak rows and the gold rows of the other sources (``strict``: the weak
  crisis tweets of the same source data set are left out too); their scores on source k are calibrated,
  and the per-topic policy applied to them, with a calibration and a policy chosen on the *inner*
  out-of-fold scores of the other sources (heads trained without source k and without that inner source);
- so no number reported for source k was trained, calibrated or thresholded on source k.

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
CRISIS_BETA = 2.0  # the crisis threshold maximises F2: a missed crisis costs more than a spare help line
FALSE_HELP_LINE_CEILING = 0.03  # the target: at most 3 % of non-health texts get a help line, per language
FALSE_HELP_LINE_SLACK = 0.05  # where keywords alone exceed it, the crisis head may add at most 5 points
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


def choose_policy(
    keywords: Sequence[KeywordResult], probabilities: np.ndarray, examples: Sequence[gold.GoldText],
    options: TagOptions,
) -> dict[str, HeadPolicy]:
    """Per head, the add / veto thresholds that maximise its F1 (crisis: F2 of the help line) on these rows.

    The crisis threshold must also keep false help lines within ``FALSE_HELP_LINE_CEILING`` in every
    language of these rows (within ``FALSE_HELP_LINE_SLACK`` of the keywords' own rate where that is higher).

    Vectorised mirror of ``core.decide`` (the reported predictions go through ``decide`` itself). A
    threshold is kept only where it beats keywords alone (None) on these rows: ties keep None.
    """
    policy: dict[str, HeadPolicy] = {}
    crisis = np.array([e.crisis for e in examples])
    kw_current = np.array([k.risk == "current" for k in keywords])
    kw_suicide = np.array([k.scores.get(gold.CRISIS_TOPIC, 0.0) for k in keywords])
    p_crisis = probabilities[:, HEADS.index(CRISIS_HEAD)].copy()
    # Where a negated or figurative crisis term ruled the topic out, the crisis head does not act.
    p_crisis[np.array([gold.CRISIS_TOPIC in k.ruled_out for k in keywords])] = -1.0
    non_health = np.array([not e.health for e in examples])
    languages = np.array([e.language for e in examples])
    keyword_lines = kw_current | (kw_suicide >= gold.PSA_MIN_SCORE)

    def false_lines(lines: np.ndarray, language: str) -> int:
        return int((lines & non_health & (languages == language)).sum())

    # Per language with enough non-health rows, the head may not push false help lines above the target
    # (rounded up: 3 % of 23 rows allows one text), or more than FALSE_HELP_LINE_SLACK above what
    # the keywords alone give where they already exceed it.
    checked = [lang for lang in sorted(set(languages)) if (non_health & (languages == lang)).sum() >= 10]
    ceiling = {}
    for lang in checked:
        n, own = int((non_health & (languages == lang)).sum()), false_lines(keyword_lines, lang)
        target = math.ceil(FALSE_HELP_LINE_CEILING * n)
        ceiling[lang] = target if own <= target else own + math.ceil(FALSE_HELP_LINE_SLACK * n)
    # Per threshold, the head acts in the languages where it stays within the ceiling (and in the languages
    # these rows have too few non-health texts to judge); the threshold with the best F2 wins.
    best_score, best_at, best_skip = -1.0, None, ()
    for add_at in (None, *ADD_GRID):
        fires = p_crisis >= add_at if add_at is not None else np.zeros(len(examples), dtype=bool)
        skip = tuple(lang for lang in checked if false_lines(keyword_lines | fires, lang) > ceiling[lang])
        fires = fires & ~np.isin(languages, skip)
        lines = keyword_lines | fires
        score = _f(int((lines & crisis).sum()), int((lines & ~crisis).sum()), int((~lines & crisis).sum()), CRISIS_BETA)
        if score > best_score + 1e-9:
            best_score, best_at, best_skip = score, add_at, skip
    policy[CRISIS_HEAD] = HeadPolicy(add_at=best_at, skip_languages=best_skip if best_at is not None else ())
    current = kw_current | ((p_crisis >= best_at) & ~np.isin(languages, best_skip) if best_at is not None else False)
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


def _weak_group(row: learned_data.Row) -> str:
    return f"weak:crisis:{row.language}" if row.source == "weak:crisis" else row.source


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
    groups = [_weak_group(r) for r in weak] + [r.source for r in gold_rows]
    stats = {}
    for group in sorted(set(groups)):
        index = np.array([g == group for g in groups])
        stats[group] = group_stats(x[index], targets[index], mask[index], weights[index])
    n_weak = len(weak)
    keywords = [
        keyword_result(TagInput(transcript=e.text, language=e.language), taxonomy, options, claims) for e in examples
    ]
    return Data(examples, x[n_weak:], targets[n_weak:], keywords, stats)


def excluded_with(source: str, strict: bool) -> set[str]:
    """The groups left out of training when ``source`` is held out."""
    linked = SAME_DATA_SET.get(source)
    return {source} | ({linked} if strict and linked else set())


def crossval(data: Data, options: TagOptions, strict: bool = True) -> dict:
    """Outer leave-one-source-out probabilities and policies (inner folds choose calibration and policy)."""
    sources = sorted({e.source for e in data.gold})
    src = np.array([e.source for e in data.gold])
    outer_scores = np.zeros((len(data.gold), len(HEADS)))
    outer_prob = np.zeros_like(outer_scores)
    policies: dict[str, dict[str, HeadPolicy]] = {}
    models: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for k in sources:
        out_k = excluded_with(k, strict)
        weights_k = solve([s for g, s in data.stats.items() if g not in out_k])
        test = src == k
        outer_scores[test] = scores_of(weights_k, data.gold_x[test])
        inner_idx = np.where(~test)[0]
        inner_scores = np.zeros((len(inner_idx), len(HEADS)))
        for j in sources:
            if j == k:
                continue
            weights_kj = solve([s for g, s in data.stats.items() if g not in out_k | excluded_with(j, strict)])
            rows = src[inner_idx] == j
            inner_scores[rows] = scores_of(weights_kj, data.gold_x[inner_idx[rows]])
        calibration = calibrate(inner_scores, data.gold_targets[inner_idx])
        inner_prob = apply_calibration(inner_scores, calibration)
        policy = choose_policy([data.gold_keywords[i] for i in inner_idx], inner_prob,
                               [data.gold[i] for i in inner_idx], options)
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
    policy = choose_policy(data.gold_keywords, apply_calibration(cv["scores"], calibration), data.gold, options)
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
