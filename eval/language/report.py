"""Markdown rendering of the language evaluation results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

_SYSTEMS = ("langdetect", "ours_text", "audio_only", "ours_audio")


def _table(title: str, table: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| lang | n | " + " | ".join(_SYSTEMS) + " |",
        "|---" * (len(_SYSTEMS) + 2) + "|",
    ]
    for lang, row in table.items():
        lines.append(f"| {lang} | {int(row['n'])} | " + " | ".join(f"{row[s]:.1f}" for s in _SYSTEMS) + " |")
    return lines + [""]


def _confusion(conf: dict[str, Any]) -> list[str]:
    lines = [
        "### Indonesian / Malay confusion (rows: truth; sentences + phrases)",
        "",
        "| system | truth | → id | → ms | → other |",
        "|---|---|---|---|---|",
    ]
    for system, by_true in conf.items():
        for true, counts in by_true.items():
            lines.append(f"| {system} | {true} | {counts['id']} | {counts['ms']} | {counts['other']} |")
    return lines + [""]


def _captions(results: dict[str, Any]) -> list[str]:
    lines = [
        "### Hand-written social-media captions, text only (%)",
        "",
        f"Source: {results['social_captions_source']}; ~20 per language, slang, emoji, hashtags, id-en mixes.",
        "",
        "| lang | n | langdetect | ours_text |",
        "|---|---|---|---|",
    ]
    for lang, row in results["social_captions"].items():
        lines.append(f"| {lang} | {int(row['n'])} | {row['langdetect']:.1f} | {row['ours_text']:.1f} |")
    return lines + [""]


def _calibration(ece: dict[str, float]) -> list[str]:
    lines = ["### Calibration (ECE, 10 bins; lower is better)", "", "| texts | ours_text | ours_audio |"]
    lines.append("|---|---|---|")
    for name in ("all", "sentence", "phrase"):
        lines.append(f"| {name} | {ece[f'ours_text_{name}']} | {ece[f'ours_audio_{name}']} |")
    return lines + [""]


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """Write the human-readable report next to the JSON."""
    bench = results["benchmark_texts_per_s"]
    lines = [
        "# Language detection evaluation",
        "",
        f"Data: {results['source']}, split {results['split']}.",
        f"Phrases: {results['phrases']}.",
        f"Audio: simulated Whisper LID — {results['audio_simulation']['rule']}.",
        "Systems: langdetect = plain langdetect 1.0.9 seeded (raw text); "
        "ours_text = LanguageDetector.detect_text; audio_only = simulated Whisper top-1; "
        "ours_audio = LanguageDetector.detect with text + simulated audio.",
        "",
    ]
    lines += _table("Accuracy on sentences (%)", results["sentences"])
    lines += _table("Accuracy on 1-3-word phrases (%)", results["phrases_1_3_words"])
    lines += _confusion(results["id_ms_confusion"])
    lines += _captions(results)
    lines += _calibration(results["ece"])
    lines += [
        f"Secondary language reported on monolingual sentences: {results['secondary_on_monolingual_sentences']:.2%}.",
        "",
        "### Speed (texts/s, one process, same texts, one run)",
        "",
        f"{bench['texts']} texts (the test sentences and phrases above), interleaved in chunks of 200.",
        "",
        "| langdetect (seeded) | ours, no decision cache | speed-up | ours, repeated texts (cache hits) |",
        "|---|---|---|---|",
        f"| {bench['langdetect']} | {bench['ours_cold']} | ×{bench['speedup_cold']} | {bench['ours_cached_repeat']} |",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
