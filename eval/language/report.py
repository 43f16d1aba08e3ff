"""Markdown rendering of the language evaluation results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

TEXT = ("langdetect", "lingua_high", "lingua_low", "ours_langdetect", "ours_text")
AUDIO = ("ours_audio_faster-whisper", "ours_audio_openai-whisper")
ABLATED = ("ours_no_social_words", "ours_no_function_words", "ours_no_malay_markers", "ours_no_malay_prior")
_TITLES = {
    "sentence": "Sentences",
    "w1": "Single words",
    "w2": "Word pairs",
    "w3": "Three-word windows",
}


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}"


def _table(title: str, table: Mapping[str, Mapping[str, Any]], systems: Iterable[str]) -> list[str]:
    systems = [s for s in systems if any(row.get(s) is not None for row in table.values())]
    lines = [f"### {title}", "", "| lang | n | " + " | ".join(systems) + " |", "|---" * (len(systems) + 2) + "|"]
    for lang, row in table.items():
        lines.append(f"| {lang} | {int(row['n'])} | " + " | ".join(_cell(row.get(s)) for s in systems) + " |")
    return lines + [""]


def _summary(results: Mapping[str, Any], systems: tuple[str, ...], title: str) -> list[str]:
    lines = [f"### {title}", "", "| texts | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for kind, name in _TITLES.items():
        row = results["product_mean"][kind]
        lines.append(f"| {name.lower()} | " + " | ".join(_cell(row.get(s)) for s in systems) + " |")
    captions = results["social_captions"]["product"]
    lines.append("| captions (pooled) | " + " | ".join(_cell(captions.get(s)) for s in systems) + " |")
    return lines + [""]


def _confusion(conf: Mapping[str, Any]) -> list[str]:
    lines = [
        "### Indonesian / Malay (rows: truth; text only)",
        "",
        "| system, texts | truth | → id | → ms | → other |",
        "|---|---|---|---|---|",
    ]
    for system, by_true in conf.items():
        for true, counts in by_true.items():
            lines.append(f"| {system} | {true} | {counts['id']} | {counts['ms']} | {counts['other']} |")
    return lines + [""]


def _calibration(ece: Mapping[str, Any]) -> list[str]:
    lines = [
        "### Calibration (ECE, 10 bins; lower is better)",
        "",
        "| texts | text only | + faster-whisper | + openai-whisper |",
    ]
    lines.append("|---|---|---|---|")
    for kind in ("sentence", "windows"):
        cells = [
            ece[f"ours_text_{kind}"],
            *(ece[f"ours_audio_{b}_{kind}"] for b in ("faster-whisper", "openai-whisper")),
        ]
        lines.append(f"| {kind} | " + " | ".join("—" if c is None else str(c) for c in cells) + " |")
    return lines + [""]


def write_markdown(results: Mapping[str, Any], path: Path) -> None:
    """Write the human-readable report next to the JSON."""
    bench = results["benchmark_texts_per_s"]
    lines = [
        "# Language detection evaluation",
        "",
        f"Data: {results['source']}, split {results['split']}.",
        f"Windows: {results['windows']}.",
        f"Audio: {results['audio']}.",
        "Systems: langdetect = plain langdetect 1.0.9 seeded (raw text); lingua_high / lingua_low = raw "
        "lingua-language-detector restricted to the detector's languages, its top language; ours_langdetect "
        "= LanguageDetector with the langdetect scorer; ours_text = LanguageDetector.detect_text (default, "
        "lingua); ours_audio_* = LanguageDetector.detect with the text and that backend's measured audio.",
        "",
    ]
    lines += _summary(results, TEXT, "Product languages (en id es pt fr ja ko): mean of per-language accuracy (%)")
    lines += _summary(
        results, ("ours_text", *ABLATED), "What each hand-written part adds: the default without it (same means, %)"
    )
    for kind, title in _TITLES.items():
        lines += _table(f"{title} (%)", results["accuracy"][kind], (*TEXT, *AUDIO))
    lines += _confusion(results["id_ms_confusion"])
    lines += _table(
        f"Hand-written social-media captions, text only (%) — {results['social_captions_source']}",
        results["social_captions"],
        (*TEXT, *ABLATED),
    )
    clip_systems = (*TEXT, "audio_only_faster-whisper", "audio_only_openai-whisper", *AUDIO)
    lines += _table("Real speech clips: reference transcripts, measured audio (%)", results["clips"], clip_systems)
    lines += _calibration(results["ece"])
    lines += [
        f"Secondary language reported on monolingual sentences: {results['secondary_on_monolingual_sentences']:.2%}.",
        "",
        "### Speed (texts/s, one process, same texts, one run)",
        "",
        f"{bench['texts']} texts (the items above and the captions), interleaved in chunks of 200.",
        "",
        "| langdetect (seeded) | lingua high | lingua low | ours, no decision cache | ours, repeated texts |",
        "|---|---|---|---|---|",
        f"| {bench['langdetect']} | {bench['lingua_high']} | {bench['lingua_low']} | {bench['ours_cold']} "
        f"| {bench['ours_cached_repeat']} |",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
