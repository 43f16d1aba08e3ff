"""Markdown rendering of the tagging evaluation report."""

from __future__ import annotations


def _prf_table(rows: list[dict]) -> list[str]:
    lines = [
        "| topic | precision | recall | F1 | support | tp | fp | fn |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['topic']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} "
        f"| {r['tp']} | {r['fp']} | {r['fn']} |"
        for r in rows
    ]
    return lines


def _confusion_table(matrix: dict[str, dict[str, int]]) -> list[str]:
    labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})
    lines = ["| gold \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    lines += [f"| {g} | " + " | ".join(str(matrix.get(g, {}).get(p, 0)) for p in labels) + " |" for g in labels]
    return lines


def _reddit_section(split: str, data: dict, targets: dict) -> list[str]:
    lines = [
        f"### Reddit, {split} split (n={data['n']})",
        "",
        f"Single-label (best emitted topic) macro-F1: **{data['macro_f1']:.3f}**",
        "",
    ]
    lines += _prf_table(data["single_label"]) + [
        "",
        "Targets: "
        + ", ".join(
            f"{k} {v['value']:.3f} (target {v['target']}: {'met' if v['met'] else 'MISSED'})"
            for k, v in targets.items()
        ),
        "",
        "Confusion (rows gold, columns predicted):",
        "",
    ]
    lines += _confusion_table(data["confusion"])
    lines += ["", f"Multi-label (every emission counts) macro-F1: {data['multi_label_macro_f1']:.3f}", ""]
    lines += _prf_table(data["multi_label"])
    controls, other = data["controls_any_health_topic"], data["mental_health_other"]
    lines += [
        "",
        f"Non-health control posts with any health topic: {controls['tagged']}/{controls['n']} "
        f"({controls['rate']:.1%}).",
        f"Other mental-health subreddits (bpd, ptsd, adhd, lonely, ...): mental_health tagged on "
        f"{other['mental_health_recall']:.1%} of {other['n']}; "
        f"best leaf topic: {other['primary_leaf_topic']}",
        "",
    ]
    return lines


def _sib_section(sib: dict) -> list[str]:
    lines = [
        "### SIB-200 (same sentences per language; hand topic labels; not held-out)",
        "",
        "| language | macro-F1 | "
        + " | ".join(f"{r['topic']} P/R" for r in next(iter(sib.values()))["per_topic"])
        + " | non-health sentences tagged |",
        "|---" * 7 + "|",
    ]
    for language, data in sib.items():
        cells = " | ".join(f"{r['precision']:.2f}/{r['recall']:.2f}" for r in data["per_topic"])
        rate = data["non_health_any_topic"]
        lines.append(f"| {language} | {data['macro_f1']:.3f} | {cells} | {rate['tagged']}/{rate['n']} |")
    return lines + [""]


def _summary_row(name: str, split: str, data: dict) -> str:
    per_topic = {r["topic"]: r for r in data["single_label"]}
    suicide = per_topic["suicide_self_harm"]
    f1s = " | ".join(f"{r['f1']:.3f}" for r in data["single_label"])
    return (
        f"| {name} | {split} | {data['macro_f1']:.3f} | {suicide['precision']:.3f} | {suicide['recall']:.3f} "
        f"| {f1s} | {data['controls_any_health_topic']['rate']:.1%} | {data.get('ms_per_text', 0):.1f} |"
    )


def _comparison(report: dict) -> list[str]:
    """Keywords alone vs the adopted configuration on both Reddit splits (single-label)."""
    if "reddit_keyword_only" not in report:
        return []
    topics = [r["topic"] for r in next(iter(report["reddit"].values()))["single_label"]]
    lines = [
        "### Keywords alone vs adopted configuration (Reddit, single-label; head trained on dev only)",
        "",
        "| configuration | split | macro-F1 | suicide P | suicide R | "
        + " | ".join(f"F1 {t}" for t in topics)
        + " | non-health controls tagged | ms/text |",
        "|---" * (7 + len(topics)) + "|",
    ]
    for split in report["reddit"]:
        lines.append(_summary_row("keywords", split, report["reddit_keyword_only"][split]))
        lines.append(_summary_row("adopted", split, report["reddit"][split]))
    return lines + [""]


def write_markdown(report: dict) -> str:
    """Render the evaluation report as markdown."""
    lines = [f"# Tagging evaluation (taxonomy {report['taxonomy_version']})", "", "Sources:", ""]
    lines += [f"- {name}: {text}" for name, text in report["sources"].items()]
    lines += [
        "",
        "Subreddit -> topic mapping (null = non-health control): "
        + ", ".join(f"{k}->{v}" for k, v in report["subreddit_mapping"].items()),
        "",
    ]
    lines += [f"Configuration: {report.get('configuration', 'keywords')}", ""]
    lines += _comparison(report)
    for split, data in report["reddit"].items():
        lines += _reddit_section(split, data, report["targets"][split])
    lines += _sib_section(report["sib200"])
    tricky = report["tricky"]
    lines += [
        "### Tricky hand-written cases",
        "",
        ", ".join(f"{lang}: {v['passed']}/{v['total']}" for lang, v in tricky["per_language"].items()),
        "",
    ]
    lines += [f"- FAIL [{f['lang']}] {f['text']} -> {f['got']}" for f in tricky["failures"]]
    return "\n".join(lines) + "\n"
