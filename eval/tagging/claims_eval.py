"""Claim-level misinformation on gold_dev: ``python -m eval.tagging.claims_eval`` -> results/claims_eval.{json,md}.

Truth: gold_dev's ``misinformation_signal`` label (the text asserts a false or unproven health claim).
Reported:
- the claim matcher alone, words only (no threshold to tune: every word group of a claim must be hit);
- the matcher with the sentence encoder, its two similarity thresholds (``ClaimOptions``) chosen
  by leave-one-source-out cross-validation: for each source set of gold_dev, the grid point with the best
  recall at precision >= ``TRAIN_PRECISION`` on the other sources is applied to it, and the held-out
  predictions are pooled. The shipped ``ClaimOptions`` are reported beside, in-sample, for reference;
- the tag stage's ``misinformation_signal`` (taxonomy terms + the claim matcher, shipped options),
  against the taxonomy terms alone;
- per language, with the missed and the false texts listed;
- the matcher's CPU per text (one thread).

The catalogue was written knowing which claim families gold_dev holds (COVID cure and prevention myths,
vaccine myths, conspiracies); its recall here is an upper bound for claims outside the catalogue.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from eval.tagging import eval_data
from workers.errors import InfrastructureError
from workers.tagging.claims import Candidate, ClaimMatcher, ClaimOptions, decide, load_catalog, load_matcher
from workers.tagging.core import select_languages, tag
from workers.tagging.taxonomy import Taxonomy, load_taxonomy
from workers.tagging.types import TagInput, TagOptions

GOLD_FILE = "text/gold_dev.jsonl"
TOPIC = "misinformation_signal"
TARGET = {"recall": 0.60, "precision": 0.80}
TRAIN_PRECISION = 0.85  # precision the chosen grid point must reach on the training sources (margin over 0.80)
# A sentence that hits every word group matches (the words say it): gold_dev holds no full word match that a
# similarity bar would rightly drop, so none is tuned.
FULL_THRESHOLDS = (0.0,)
# From 0.7: below it, true statements on a claim's subject reach the bar (on the hand-written true statements
# of tests/unit/tagging/test_claims.py, "Antibiotics treat bacterial infections such as strep throat" scores
# 0.63 against "antibiotics kill the coronavirus"); gold_dev has too few such texts to set this floor itself.
PARTIAL_THRESHOLDS = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)  # 1.01: a partial match never counts
# A 60-word transcript and a caption on the costly path (the gate passes, sentences are embedded).
COST_TRANSCRIPT = (
    "okay so today I want to talk about the vaccine again because a lot of you asked me in the comments. "
    "my aunt says the covid vaccine changes your DNA and that the flu shot protects you from the coronavirus anyway. "
    "I looked it up and honestly I do not know what to believe, so tell me what you think and share this video "
    "with your friends before it gets taken down"
)
COST_CAPTION = "is the vaccine safe?? #vaccine #covid #health"


@dataclass(frozen=True)
class Row:
    """One gold_dev text: id, text, language, source set, gold label."""

    row_id: str
    text: str
    language: str
    source: str
    gold: bool


def gold_rows(root: Path) -> list[Row]:
    """gold_dev rows (read at run time from ../shared, never copied)."""
    rows = []
    with (root / GOLD_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                r = json.loads(line)
                rows.append(Row(r["id"], r["text"], r["lang"], r["source_repo"], TOPIC in r["topics"]))
    return rows


def languages_of(row: Row, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The languages the tag stage applies to this row (its own and English)."""
    return select_languages(TagInput(transcript=row.text, language=row.language), taxonomy, TagOptions())


def scores(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, Any]:
    """Counts, precision, recall and F1."""
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4), "n": len(gold), "positives": tp + fn}


def report(rows: Sequence[Row], predicted: Sequence[bool], why: Sequence[str] = ()) -> dict[str, Any]:
    """Overall and per-language scores, with the missed and the false texts."""
    why = list(why) or [""] * len(rows)
    per_language = {
        lang: scores([r.gold for r in rows if r.language == lang],
                     [p for r, p in zip(rows, predicted, strict=True) if r.language == lang])
        for lang in sorted({r.language for r in rows})
    }
    listed = lambda keep: [  # noqa: E731 - a local one-liner
        {"id": r.row_id, "lang": r.language, "source": r.source, "text": r.text[:300], "matched": w}
        for r, p, w in zip(rows, predicted, why, strict=True) if keep(r.gold, p)
    ]
    return {
        "overall": scores([r.gold for r in rows], predicted),
        "per_language": per_language,
        "missed": listed(lambda g, p: g and not p),
        "false": listed(lambda g, p: p and not g),
    }


def _predict(candidates: list[list[Candidate]], options: ClaimOptions) -> list[bool]:
    return [any(decide(c, options) is not None for c in cs) for cs in candidates]


def _why(candidates: list[list[Candidate]], options: ClaimOptions) -> list[str]:
    return [", ".join(sorted({c.claim_id for c in cs if decide(c, options) is not None})) for cs in candidates]


def choose(rows: Sequence[Row], candidates: list[list[Candidate]], index: Sequence[int]) -> ClaimOptions:
    """The grid point with the best recall at precision >= TRAIN_PRECISION on ``index`` (ties: precision,
    then the higher thresholds); the best F1 when none reaches it."""
    gold = [rows[i].gold for i in index]
    subset = [candidates[i] for i in index]
    best: tuple[tuple[float, ...], ClaimOptions] | None = None
    for full in FULL_THRESHOLDS:
        for partial in PARTIAL_THRESHOLDS:
            options = ClaimOptions(full_threshold=full, partial_threshold=partial)
            s = scores(gold, _predict(subset, options))
            reached = s["precision"] >= TRAIN_PRECISION
            key = (float(reached), s["recall"] if reached else s["f1"], s["precision"], partial, full)
            if best is None or key > best[0]:
                best = (key, options)
    assert best is not None
    return best[1]


def cross_validate(rows: Sequence[Row], candidates: list[list[Candidate]]) -> dict[str, Any]:
    """Leave-one-source-out: options chosen on the other sources, applied to the held-out one."""
    predicted: list[bool] = [False] * len(rows)
    why: list[str] = [""] * len(rows)
    folds = []
    for source in sorted({r.source for r in rows}):
        held = [i for i, r in enumerate(rows) if r.source == source]
        train = [i for i, r in enumerate(rows) if r.source != source]
        options = choose(rows, candidates, train)
        fold_candidates = [candidates[i] for i in held]
        for i, p, w in zip(held, _predict(fold_candidates, options), _why(fold_candidates, options), strict=True):
            predicted[i], why[i] = p, w
        folds.append({"held_out_source": source, "n": len(held), "options": asdict(options),
                      "positives": sum(rows[i].gold for i in held)})
    return {**report(rows, predicted, why), "folds": folds}


NEGATIVE_SETS = {  # texts with no false health claim, in the product languages: a check on false matches
    "sib200": ("text/sib200_topics.jsonl", ("en", "id", "es", "pt", "fr", "ja", "ko")),
    "crisis_weak_es": ("text/crisis_weak_es.jsonl", ("es",)),
    "crisis_weak_pt": ("text/crisis_weak_pt.jsonl", ("pt",)),
    "crisis_weak_id": ("text/crisis_weak_id.jsonl", ("id",)),
}


def negatives(root: Path, matcher: ClaimMatcher, taxonomy: Taxonomy) -> dict[str, Any]:
    """Matches on SIB-200 sentences (12 parallel languages, encyclopedic: no false claims) and on the weakly
    labelled crisis tweets (es, pt, id): every match there is a false one; per set and language."""
    out: dict[str, Any] = {}
    for name, (path, languages) in NEGATIVE_SETS.items():
        if not (root / path).exists():
            continue
        per_language: dict[str, dict[str, Any]] = {}
        with (root / path).open(encoding="utf-8") as handle:
            for line in handle:
                r = json.loads(line)
                if r["lang"] not in languages:
                    continue
                row = Row(str(r.get("id", "")), r["text"], r["lang"], name, False)
                found = matcher.match(row.text, languages_of(row, taxonomy), row.language)
                entry = per_language.setdefault(row.language, {"n": 0, "matched": 0, "texts": []})
                entry["n"] += 1
                if found:
                    entry["matched"] += 1
                    entry["texts"].append({"text": row.text[:200], "claims": [m.claim_id for m in found]})
        out[name] = per_language
    return out


def all_candidates(rows: Sequence[Row], matcher: ClaimMatcher, taxonomy: Taxonomy) -> list[list[Candidate]]:
    """Every row's candidates under ``matcher``'s options."""
    return [matcher.candidates(r.text, languages_of(r, taxonomy), r.language) for r in rows]


def tag_stage(rows: Sequence[Row], taxonomy: Taxonomy, matcher: ClaimMatcher | None) -> dict[str, Any]:
    """The tag stage's misinformation_signal (no learned signal), with the evidence that produced it."""
    predicted, why = [], []
    for r in rows:
        result = tag(TagInput(transcript=r.text, language=r.language), taxonomy, TagOptions(use_learned_signal=False),
                     claims=matcher)
        topic = next((t for t in result.topics if t.topic == TOPIC), None)
        predicted.append(topic is not None)
        why.append(", ".join(sorted({f"{e.source}:{e.term}" for e in topic.evidence})) if topic else "")
    return report(rows, predicted, why)


def cpu_ms(call: Callable[[], object], repeat: int) -> dict[str, float]:
    """p50 / p99 process CPU milliseconds of ``call`` over ``repeat`` runs (after two warm-up runs)."""
    call(), call()
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        call()
        samples.append(1000 * (time.process_time() - start))
    samples.sort()
    return {"p50": round(statistics.median(samples), 3), "p99": round(samples[int(0.99 * (len(samples) - 1))], 3)}


def cost(rows: Sequence[Row], matcher: ClaimMatcher, taxonomy: Taxonomy) -> dict[str, Any]:
    """The matcher's CPU per gold_dev text and per 60-word transcript + caption that reaches the encoder."""
    per_text = []
    for r in rows:
        languages = languages_of(r, taxonomy)
        start = time.process_time()
        matcher.match(r.text, languages, r.language)
        per_text.append(1000 * (time.process_time() - start))
    per_text.sort()
    upload = COST_TRANSCRIPT + "\n" + COST_CAPTION
    return {
        "gold_dev_texts": {"n": len(per_text), "p50": round(statistics.median(per_text), 3),
                           "p99": round(per_text[int(0.99 * (len(per_text) - 1))], 3),
                           "max": round(per_text[-1], 3)},
        "upload_60_words_reaching_encoder": cpu_ms(lambda: matcher.match(upload, ("en",), "en"), 200),
        "matches_in_that_upload": [m.claim_id for m in matcher.match(upload, ("en",), "en")],
    }


def tag_stage_cost(rows: Sequence[Row]) -> dict[str, Any]:
    """The tag stage's CPU per upload (its core as the worker loads it, learned signal included) with and
    without the claim matcher, interleaved, on gold_dev texts plus 50 copies of the costly upload."""
    from workers.settings import Settings
    from workers.tagging.loader import load_core

    try:
        core = load_core(Settings.from_env())
    except (InfrastructureError, ValueError) as exc:
        return {"error": str(exc)}
    inputs = [TagInput(transcript=r.text, language=r.language) for r in rows]
    inputs += [TagInput(transcript=COST_TRANSCRIPT, caption=COST_CAPTION, language="en")] * 50
    cores = {"with_claims": core, "without_claims": replace(core, claims=None)}
    samples: dict[str, list[float]] = {name: [] for name in cores}
    for round_ in range(3):  # the first round warms up
        for name, c in cores.items():
            for fields in inputs:
                start = time.process_time()
                c.tag(fields)
                if round_:
                    samples[name].append(1000 * (time.process_time() - start))
    embedder = core.claims.embedder if core.claims else None
    out: dict[str, Any] = {"learned_signal": type(core.signal).__name__ if core.signal else None,
                           "claims_encoder": embedder.name if embedder else None}
    for name, values in samples.items():
        values.sort()
        out[name] = {"p50": round(statistics.median(values), 3), "p99": round(values[int(0.99 * (len(values) - 1))], 3),
                     "n": len(values)}
    return out


def load_encoder() -> tuple[Any, str]:
    """The multilingual encoder the tag stage uses when installed, else MiniLM (English), else none."""
    from bench import minilm
    from workers.tagging import encoder

    for name, module in (("MultilingualEncoder", encoder), ("SentenceEncoder", minilm)):
        factory = getattr(module, name, None)
        if factory is None:
            continue
        try:
            return factory(threads=1), name
        except InfrastructureError as exc:
            print(f"{name} unavailable: {exc}", file=sys.stderr)
    return None, "none"


def run(root: Path) -> dict[str, Any]:
    """Every measurement of the module docstring."""
    rows, taxonomy, catalog = gold_rows(root), load_taxonomy(), load_catalog()
    encoder, encoder_name = load_encoder()
    words = load_matcher(None)
    word_candidates = all_candidates(rows, words, taxonomy)
    result: dict[str, Any] = {
        "catalogue": {"version": catalog.version, "claims": len(catalog.claims),
                      "families": sorted({c.family for c in catalog.claims}),
                      "with_source": sum(c.source is not None for c in catalog.claims),
                      "sources": sorted({f"{c.source.organisation}: {c.source.title}"
                                         for c in catalog.claims if c.source})},
        "gold": {"n": len(rows), "positives": sum(r.gold for r in rows),
                 "positives_per_language": {lang: sum(r.gold for r in rows if r.language == lang)
                                            for lang in sorted({r.language for r in rows})}},
        "target": TARGET,
        "words_only": report(rows, _predict(word_candidates, words.options), _why(word_candidates, words.options)),
        "encoder": encoder_name,
    }
    shipped = ClaimOptions()
    if encoder is not None:
        matcher = load_matcher(encoder, shipped)
        candidates = all_candidates(rows, matcher, taxonomy)
        result["with_encoder_cross_validated"] = cross_validate(rows, candidates)
        result["options_chosen_on_all_of_gold_dev"] = asdict(choose(rows, candidates, range(len(rows))))
        result["with_encoder_shipped_options_in_sample"] = {
            "options": asdict(shipped), **report(rows, _predict(candidates, shipped), _why(candidates, shipped)),
        }
    else:
        matcher = words
    result["tag_stage"] = {
        "taxonomy_terms_only": tag_stage(rows, taxonomy, None),
        "taxonomy_terms_and_claims": tag_stage(rows, taxonomy, matcher),
    }
    result["negative_sets"] = negatives(root, matcher, taxonomy)
    result["cost_ms_cpu_one_thread"] = {"words_only": cost(rows, words, taxonomy),
                                        f"words_and_{encoder_name}": cost(rows, matcher, taxonomy)}
    result["tag_stage_cost_ms_cpu_one_thread"] = tag_stage_cost(rows)
    return result


def _line(name: str, s: dict[str, Any]) -> str:
    precision = f"{s['precision']:.2f}" if s["tp"] + s["fp"] else "n/a"
    recall = f"{s['recall']:.2f}" if s["positives"] else "n/a (no positive)"
    f1 = f"{s['f1']:.2f}" if s["tp"] + s["fp"] and s["positives"] else "n/a"
    return f"| {name} | {precision} | {recall} | {f1} | {s['tp']} | {s['fp']} | {s['fn']} | {s['n']} |"


def markdown(result: dict[str, Any]) -> str:
    """The results file."""
    out = ["# Claim-level misinformation on gold_dev", "",
           f"Catalogue {result['catalogue']['version']}: {result['catalogue']['claims']} claims "
           f"({result['catalogue']['with_source']} with a refuting source), families "
           f"{', '.join(result['catalogue']['families'])}. gold_dev: {result['gold']['n']} texts, "
           f"{result['gold']['positives']} misinformation_signal ({result['gold']['positives_per_language']}). "
           f"Target: recall >= {TARGET['recall']} at precision >= {TARGET['precision']}. Encoder: {result['encoder']}.",
           "", "The catalogue was written knowing gold_dev's claim families, so recall here is an upper bound "
           "for claims outside it. Produced by `make eval-claims` (`python -m eval.tagging.claims_eval`).", "",
           "| configuration | precision | recall | F1 | TP | FP | FN | texts |", "|---|---|---|---|---|---|---|---|"]
    rows = [("claim matcher, words only (nothing tuned)", result["words_only"])]
    if "with_encoder_cross_validated" in result:
        rows.append(("claim matcher + encoder, cross-validated (leave one source out)",
                     result["with_encoder_cross_validated"]))
        rows.append(("claim matcher + encoder, shipped options (in-sample, reference)",
                     result["with_encoder_shipped_options_in_sample"]))
    rows.append(("tag stage: taxonomy terms only", result["tag_stage"]["taxonomy_terms_only"]))
    rows.append(("tag stage: taxonomy terms + claims (shipped)", result["tag_stage"]["taxonomy_terms_and_claims"]))
    out += [_line(name, r["overall"]) for name, r in rows]
    if "options_chosen_on_all_of_gold_dev" in result:
        out += ["", f"Shipped `ClaimOptions`: {result['with_encoder_shipped_options_in_sample']['options']}; the "
                f"same selection rule on all of gold_dev picks {result['options_chosen_on_all_of_gold_dev']}."]
    main = result.get("with_encoder_cross_validated", result["words_only"])
    out += ["", "## Per language (the headline configuration: " +
            ("encoder, cross-validated" if "with_encoder_cross_validated" in result else "words only") + ")", "",
            "| language | precision | recall | F1 | TP | FP | FN | texts |", "|---|---|---|---|---|---|---|---|"]
    out += [_line(lang, s) for lang, s in main["per_language"].items()]
    stage = result["tag_stage"]["taxonomy_terms_and_claims"]
    out += ["", "## Per language, tag stage (taxonomy terms + claims)", "",
            "| language | precision | recall | F1 | TP | FP | FN | texts |", "|---|---|---|---|---|---|---|---|"]
    out += [_line(lang, s) for lang, s in stage["per_language"].items()]
    if "with_encoder_cross_validated" in result:
        out += ["", "## Options chosen per fold", "",
                "| held-out source | n | positives | full_threshold | partial_threshold |", "|---|---|---|---|---|"]
        out += [f"| {f['held_out_source']} | {f['n']} | {f['positives']} | {f['options']['full_threshold']} | "
                f"{f['options']['partial_threshold']} |" for f in main["folds"]]
    for title, block in (("headline configuration", main), ("tag stage (taxonomy terms + claims)", stage)):
        out += ["", f"## Missed, {title}", ""]
        out += [f"- ({m['lang']}, {m['source']}) {m['text'][:160]!r}" for m in block["missed"]] or ["- none"]
        out += ["", f"## False, {title}", ""]
        out += [f"- ({m['lang']}, {m['source']}) {m['text'][:160]!r} -> {m['matched']}"
                for m in block["false"]] or ["- none"]
    out += ["", "## False matches on texts without false claims (every match is false)", "",
            "| set | language | texts | matched |", "|---|---|---|---|"]
    for name, per_language in result.get("negative_sets", {}).items():
        out += [f"| {name} | {lang} | {e['n']} | {e['matched']} |" for lang, e in sorted(per_language.items())]
    for name, per_language in result.get("negative_sets", {}).items():
        for lang, e in sorted(per_language.items()):
            out += [f"- {name} ({lang}) {t['text'][:140]!r} -> {', '.join(t['claims'])}" for t in e["texts"]]
    out += ["", "## Cost (CPU ms, one thread)", "",
            "| configuration | gold_dev text p50 | p99 | max | 60-word upload reaching the encoder p50 | p99 |",
            "|---|---|---|---|---|---|"]
    for name, c in result["cost_ms_cpu_one_thread"].items():
        g, u = c["gold_dev_texts"], c["upload_60_words_reaching_encoder"]
        out.append(f"| {name} | {g['p50']} | {g['p99']} | {g['max']} | {u['p50']} | {u['p99']} |")
    stage_cost = result.get("tag_stage_cost_ms_cpu_one_thread", {})
    if "with_claims" in stage_cost:
        out += ["", f"Tag stage as the worker loads it (learned signal {stage_cost['learned_signal']}, claims encoder "
                f"{stage_cost['claims_encoder']}), gold_dev texts and 50 costly uploads, interleaved runs:", "",
                "| tag stage | p50 | p99 | uploads |", "|---|---|---|---|"]
        out += [f"| {name} | {stage_cost[name]['p50']} | {stage_cost[name]['p99']} | {stage_cost[name]['n']} |"
                for name in ("with_claims", "without_claims")]
    elif stage_cost:
        out += ["", f"Tag stage cost not measured: {stage_cost.get('error')}"]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run and write results/claims_eval.json and .md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=eval_data.shared_dir())
    parser.add_argument("--out-dir", type=Path, default=Path("results"))
    args = parser.parse_args(argv)
    if not (args.shared_dir / GOLD_FILE).exists():
        print(f"gold_dev not found under {args.shared_dir} (set FIDES_SHARED_DIR)", file=sys.stderr)
        return 2
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    result = run(args.shared_dir)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "claims_eval.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.out_dir / "claims_eval.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
