"""Evaluation harness: the fused detector beside plain langdetect and raw lingua, plus a speed benchmark.

Run: python -m eval.language.evaluate [--fit] [--split test] [--out results/]
Writes results/language_eval.json and results/language_eval.md. Texts: SIB-200 sentences of the split
and a seeded 1-, 2- and 3-word window of each (12 languages), the hand-written captions, and the real
speech clips' transcripts. Audio: Whisper's measured probabilities on the real clips
(results/whisper_lid_probs.json, both backends; regenerate with eval.language.whisper_lid).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from eval.language.baseline import PlainLangdetect, RawLingua
from eval.language.eval_data import (
    AUDIO_BACKENDS,
    CAPTIONS_SOURCE,
    KINDS,
    PRODUCT,
    SOURCE,
    Item,
    build_items,
    load_audio_probs,
    shared_dir,
    social_captions,
)
from eval.language.report import write_markdown
from workers.language.detector import LanguageDetector
from workers.language.types import LanguageEvidence, LanguageOptions

REPO = Path(__file__).resolve().parents[2]
AUDIO_PROBS = REPO / "results" / "whisper_lid_probs.json"
TEXT_SYSTEMS = ("langdetect", "lingua_high", "lingua_low", "ours_langdetect", "ours_text")
AUDIO_SYSTEMS = tuple(f"ours_audio_{backend}" for backend in AUDIO_BACKENDS)
# What each hand-written part still adds on top of lingua: the default detector without it.
ABLATIONS: dict[str, dict[str, float]] = {
    "ours_no_social_words": {"social_word_weight": 0.0},
    "ours_no_function_words": {"function_word_weight": 0.0},
    "ours_no_malay_markers": {"malay_marker_weight": 0.0},
    "ours_no_malay_prior": {"malay_prior_weight": 0.0},
}


def evidence_of(text: str, kind: str, audio: tuple[tuple[str, float], ...]) -> LanguageEvidence:
    """Sentences stand for transcripts, windows and captions for captions; audio as Whisper reported it."""
    lang, prob = audio[0]
    base = LanguageEvidence(audio_language=lang, audio_probability=prob, audio_alternatives=audio)
    if kind == "sentence":
        return dataclasses.replace(base, transcript_text=text)
    return dataclasses.replace(base, caption=text)


def text_systems(ours: LanguageDetector, langdetect_scored: LanguageDetector) -> dict[str, Callable[[str], str]]:
    """Every text-only system, text -> language (the ablations share the default detector's models)."""
    languages = ours.options.languages
    systems: dict[str, Callable[[str], str]] = {
        "langdetect": PlainLangdetect(seed=0).detect,
        "lingua_high": RawLingua(languages).detect,
        "lingua_low": RawLingua(languages, low_accuracy=True).detect,
        "ours_langdetect": lambda text: langdetect_scored.detect_text(text).language,
        "ours_text": lambda text: ours.detect_text(text).language,
    }
    for name, change in ABLATIONS.items():
        ablated = LanguageDetector(dataclasses.replace(ours.options, **change), ours._scorer)  # noqa: SLF001
        systems[name] = lambda text, ablated=ablated: ablated.detect_text(text).language  # type: ignore[misc]
    return systems


def predict_all(items: list[Item], systems: Mapping[str, Callable[[str], str]], ours: LanguageDetector) -> list[dict]:
    """Every system's prediction (and our confidences) for every item."""
    rows = []
    for item in items:
        decision = ours.detect_text(item.text)
        row: dict[str, Any] = {"lang": item.lang, "kind": item.kind, "conf_text": decision.confidence}
        row.update({name: system(item.text) for name, system in systems.items()})
        row["secondary"] = decision.secondary
        for backend, audio in item.audio:
            fused = ours.detect(evidence_of(item.text, item.kind, audio))
            row[f"ours_audio_{backend}"], row[f"conf_audio_{backend}"] = fused.language, fused.confidence
            row[f"audio_only_{backend}"] = audio[0][0]
        rows.append(row)
    return rows


def _accuracy(rows: list[dict], system: str) -> float | None:
    scored = [r for r in rows if system in r]
    return round(100 * sum(r[system] == r["lang"] for r in scored) / len(scored), 2) if scored else None


def accuracy_table(rows: list[dict], systems: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Accuracy (%) per language and system; 'product' pools the product languages, 'all' everything."""
    table: dict[str, dict[str, Any]] = {}
    for lang in (*dict.fromkeys(r["lang"] for r in rows), "product", "all"):
        sel = [r for r in rows if r["lang"] == lang or lang == "all" or (lang == "product" and r["lang"] in PRODUCT)]
        if sel:
            table[lang] = {"n": len(sel), **{s: _accuracy(sel, s) for s in systems}}
    return table


def product_mean(table: Mapping[str, Mapping[str, Any]], system: str) -> float:
    """Unweighted mean accuracy over the product languages (the issue's 'word-pair mean')."""
    values = [table[lang][system] for lang in PRODUCT if lang in table and table[lang][system] is not None]
    return round(sum(values) / len(values), 2)


def id_ms_confusion(rows: list[dict], systems: tuple[str, ...]) -> dict[str, dict[str, dict[str, int]]]:
    """Predicted id / ms / other for true id and ms, per system, per kind of text."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for system, kind in itertools.product(systems, ("sentence", "windows")):
        out[f"{system} {kind}"] = {}
        for true in ("id", "ms"):
            sel = [r for r in rows if r["lang"] == true and (r["kind"] == "sentence") == (kind == "sentence")]
            counts = Counter(r[system] if r[system] in ("id", "ms") else "other" for r in sel)
            out[f"{system} {kind}"][true] = {k: counts.get(k, 0) for k in ("id", "ms", "other")}
    return out


def expected_calibration_error(rows: list[dict], system: str, conf: str, bins: int = 10) -> float | None:
    """ECE of a system's confidence over the rows that have it (10 equal-width bins)."""
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for r in rows:
        if conf in r:
            buckets[min(int(r[conf] * bins), bins - 1)].append((r[conf], r[system] == r["lang"]))
    total = sum(len(b) for b in buckets.values())
    if not total:
        return None
    gap = sum(abs(sum(c for c, _ in b) - sum(ok for _, ok in b)) for b in buckets.values())
    return round(gap / total, 4)


def calibration(rows: list[dict]) -> dict[str, float | None]:
    """ECE of our confidences on sentences and on windows; text only and with each backend's audio."""
    out = {}
    for kind in ("sentence", "windows"):
        sel = [r for r in rows if (r["kind"] == "sentence") == (kind == "sentence")]
        out[f"ours_text_{kind}"] = expected_calibration_error(sel, "ours_text", "conf_text")
        for backend in AUDIO_BACKENDS:
            out[f"ours_audio_{backend}_{kind}"] = expected_calibration_error(
                sel, f"ours_audio_{backend}", f"conf_audio_{backend}"
            )
    return out


def caption_rows(systems: Mapping[str, Callable[[str], str]]) -> list[dict]:
    """Every text system on the hand-written caption set."""
    return [
        {"lang": lang, "kind": "caption", **{n: s(text) for n, s in systems.items()}}
        for lang, text in social_captions()
    ]


def clip_rows(systems: Mapping[str, Callable[[str], str]], ours: LanguageDetector) -> list[dict]:
    """The real speech clips: text systems on the reference transcript, audio alone, and fused per backend."""
    data = json.loads(AUDIO_PROBS.read_text(encoding="utf-8"))
    rows = []
    for clip_id, clip in data["clips"].items():
        row: dict[str, Any] = {"lang": clip["lang"], "kind": "clip"}
        row.update({name: system(clip["transcript"]) for name, system in systems.items()})
        for backend, measured in data["backends"].items():
            top = tuple((code, float(p)) for code, p in measured["clips"][clip_id])
            row[f"audio_only_{backend}"] = top[0][0]
            row[f"ours_audio_{backend}"] = ours.detect(evidence_of(clip["transcript"], "sentence", top)).language
        rows.append(row)
    return rows


def _timed(fn: Callable[[str], object], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - start


def benchmark(texts: list[str], options: LanguageOptions) -> dict[str, Any]:
    """Texts/s on one core, same texts, one run, in interleaved chunks so CPU contention hits all alike.

    ours_cold: a fresh detector with no decision cache (its per-word memo fills as it goes, which is part
    of the scorer); ours_cached_repeat: the same texts again through a cache that holds them all.
    """
    cold = LanguageDetector(dataclasses.replace(options, cache_size=0, decision_cache_size=0))
    cached = LanguageDetector(
        dataclasses.replace(options, cache_size=2 * len(texts), decision_cache_size=2 * len(texts))
    )
    runners: dict[str, Callable[[str], object]] = {
        "langdetect": PlainLangdetect(seed=0).detect,
        "lingua_high": RawLingua(options.languages).detect,
        "lingua_low": RawLingua(options.languages, low_accuracy=True).detect,
        "ours_cold": cold.detect_text,
    }
    seconds = dict.fromkeys(runners, 0.0)
    for start in range(0, len(texts), 200):
        for name, fn in runners.items():
            seconds[name] += _timed(fn, texts[start : start + 200])
    _timed(cached.detect_text, texts)
    seconds["ours_cached_repeat"] = _timed(cached.detect_text, texts)
    result: dict[str, Any] = {"texts": len(texts)}
    result.update({name: round(len(texts) / sec, 1) for name, sec in seconds.items()})
    return result


FIT_GRID = {
    "malay_prior_weight": (-1.0, -1.25, -1.5),
    "malay_text_share": (0.1, 0.2),
    "malay_marker_weight": (2.0, 3.0),
    "social_word_weight": (2.0,),
}


def fit(items: list[Item]) -> list[dict[str, Any]]:
    """Grid-search the id/ms split on the items given (train + dev); best first.

    Ranked by: Indonesian sentences >= 99 % first, then Malay sentence + word-pair recall plus the
    product word-pair mean, then log-loss of the true language.
    """
    scorer = LanguageDetector()._scorer  # noqa: SLF001 -- one model load for the whole grid
    grid = []
    for values in itertools.product(*FIT_GRID.values()):
        detector = LanguageDetector(LanguageOptions(**dict(zip(FIT_GRID, values, strict=True))), scorer)
        right: dict[tuple[str, str], list[bool]] = defaultdict(list)
        loss = 0.0
        for item in items:
            d = detector.detect_text(item.text)
            right[item.lang, item.kind].append(d.language == item.lang)
            alternatives = {a.language: a.probability for a in d.alternatives}
            loss -= math.log(max(d.confidence if d.language == item.lang else alternatives.get(item.lang, 1e-3), 1e-3))
        accuracy = {key: sum(v) / len(v) for key, v in right.items()}
        pairs = sum(accuracy[lang, "w2"] for lang in PRODUCT) / len(PRODUCT)
        grid.append(
            {
                **dict(zip(FIT_GRID, values, strict=True)),
                "log_loss": round(loss / len(items), 4),
                "id_sentences": round(accuracy["id", "sentence"], 4),
                "ms_sentences": round(accuracy["ms", "sentence"], 4),
                "ms_pairs": round(accuracy["ms", "w2"], 4),
                "pair_mean": round(pairs, 4),
            }
        )
    return sorted(
        grid,
        key=lambda g: (g["id_sentences"] >= 0.99, g["ms_sentences"] + g["ms_pairs"] + g["pair_mean"], -g["log_loss"]),
        reverse=True,
    )


def main(argv: list[str] | None = None) -> None:
    """Run the evaluation and write results/language_eval.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--split", default="test", help="SIB-200 split to report (tune with --fit on dev)")
    parser.add_argument("--fit", action="store_true", help="grid-search the id/ms split on --fit-splits")
    parser.add_argument("--fit-splits", default="train,dev", help="SIB-200 splits to fit on (never the reported one)")
    args = parser.parse_args(argv)
    data = shared_dir() / "text" / "sib200_topics.jsonl"
    if args.fit:
        splits = args.fit_splits.split(",")
        if args.split in splits:
            parser.error(f"fitting on the reported split {args.split!r}")
        items = [i for split in splits for i in build_items(data, split)]
        # What the ranking reads: Indonesian and Malay texts, and every product language's word pairs.
        items = [i for i in items if i.lang in ("id", "ms") or (i.kind == "w2" and i.lang in PRODUCT)]
        print("\n".join(json.dumps(g) for g in fit(items)[:15]))
        return
    ours = LanguageDetector()
    systems = text_systems(ours, LanguageDetector(dataclasses.replace(ours.options, scorer="langdetect")))
    items = build_items(data, args.split, load_audio_probs(AUDIO_PROBS))
    rows = predict_all(items, systems, ours)
    scored = (*TEXT_SYSTEMS, *ABLATIONS, *AUDIO_SYSTEMS)
    tables = {kind: accuracy_table([r for r in rows if r["kind"] == kind], scored) for kind in KINDS}
    captions = caption_rows(systems)
    clips = clip_rows(systems, ours)
    clip_systems = (*TEXT_SYSTEMS, *(f"audio_only_{b}" for b in AUDIO_BACKENDS), *AUDIO_SYSTEMS)
    results = {
        "source": SOURCE,
        "data": str(data),
        "split": f"{args.split} (id/ms weights fitted on train + dev with --fit; lexicons written before)",
        "options": dataclasses.asdict(ours.options),
        "windows": "one 1-, one 2- and one 3-word window per sentence at a seeded offset (Japanese: 3/5/7 "
        "characters of the longest run without punctuation)",
        "audio": "measured Whisper top-3 on the real clips (results/whisper_lid_probs.json); each SIB-200 item "
        "of a language with clips is paired with one of its clips (seeded pick); id ms tl it de nl have none",
        "accuracy": tables,
        "product_mean": {
            kind: {s: product_mean(tables[kind], s) for s in (*TEXT_SYSTEMS, *ABLATIONS)} for kind in KINDS
        },
        "id_ms_confusion": id_ms_confusion(rows, ("langdetect", "lingua_high", "ours_text", "ours_no_malay_markers")),
        "ece": calibration(rows),
        "social_captions_source": CAPTIONS_SOURCE,
        "social_captions": accuracy_table(captions, (*TEXT_SYSTEMS, *ABLATIONS)),
        "clips": accuracy_table(clips, clip_systems),
        "secondary_on_monolingual_sentences": round(
            sum(r["secondary"] is not None for r in rows if r["kind"] == "sentence")
            / sum(r["kind"] == "sentence" for r in rows),
            4,
        ),
        "benchmark_texts_per_s": benchmark([i.text for i in items] + [t for _, t in social_captions()], ours.options),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "language_eval.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_markdown(results, args.out / "language_eval.md")
    print((args.out / "language_eval.md").read_text())


if __name__ == "__main__":
    main()
