"""Machine description and the markdown rendering of the ASR benchmark results."""

from __future__ import annotations

from typing import Any

from bench import machine

_PACKAGES = ("torch", "openai-whisper", "faster-whisper", "ctranslate2", "onnxruntime", "numpy", "av")


def describe_machine() -> dict[str, Any]:
    """The machine and the versions of the packages this benchmark depends on."""
    return machine.describe_machine(_PACKAGES)


def _config_table(rows: list[dict[str, Any]]) -> list[str]:
    langs = sorted({lang for r in rows for lang in r["wer_by_language"]})
    lines = [
        "| configuration | audio s / wall s | RTF | CPU s / audio s | peak RSS MB | WER % | "
        + " | ".join(f"{lang} %" for lang in langs)
        + " |",
        "|---" * (6 + len(langs)) + "|",
    ]
    for r in rows:
        per_lang = " | ".join(f"{r['wer_by_language'].get(lang, 0) * 100:.1f}" for lang in langs)
        lines.append(
            f"| {r['label']} | {r['audio_s_per_wall_s']:.2f} | {r['rtf']:.3f} | {r['cpu_rtf']:.3f} | "
            f"{r['peak_rss_mb']:.0f} | {r['wer_mean'] * 100:.1f} | {per_lang} |"
        )
    return lines


def _stream_lines(stream: dict[str, Any]) -> list[str]:
    pipe, naive = stream["pipeline"], stream["naive"]
    return [
        f"{stream['uploads']} uploads {stream['kinds']}, {stream['reused_fraction'] * 100:.0f} % re-uploads.",
        "",
        "| path | wall s | outcomes |",
        "|---|---|---|",
        f"| pipeline: VAD + cache + faster-whisper int8 greedy | {pipe['wall_s']:.1f} | {pipe['outcomes']} |",
        f"| naive: openai-whisper fp32 greedy, every upload | {naive['wall_s']:.1f} | {naive['outcomes']} |",
        "",
        f"**Speedup: {stream['speedup']:.2f}×** (target ≥ 3×).",
    ]


def render_markdown(results: dict[str, Any]) -> str:
    """The human-readable report."""
    m = results["machine"]
    lines = [
        "# ASR benchmark: Whisper base, same weights",
        "",
        f"{m['date_utc']} · {m['cpu_model']} · {m['cpu_cores']} cores · "
        f"{results['options']['threads']} threads per backend · Python {m['python']} · "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"Load average at start {m['load_average_start']}, at end {m['load_average_end']} "
        "(the machine is shared; CPU s / audio s is less sensitive to contention than wall time).",
        "",
        f"## Clips ({len(results['clips'])} real speech clips, one process per configuration)",
        "",
        *_config_table(results["configs"]),
        "",
        "WER is CER for ja/ko. Timings exclude model load and one warm-up call.",
        "",
        "## faster-whisper int8 vs openai-whisper fp32",
        "",
    ]
    for c in results["faster_int8_vs_openai"]:
        lines.append(
            f"- beam {c['beam_size']}: {c['wall_speedup']:.2f}× wall, {c['cpu_speedup']:.2f}× CPU, "
            f"WER gap {c['wer_gap_points']:+.1f} points"
        )
    d = results["default_decoding"]
    lines += [
        "",
        "## Default decoding",
        "",
        f"Rule: {d['rule']}. Chosen: **{d['label']}** (beam {d['beam_size']}).",
        "",
    ]
    lines += ["## Mixed stream", "", *_stream_lines(results["stream"]), ""]
    return "\n".join(lines)
