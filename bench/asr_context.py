"""Encoder context sized to the speech vs Whisper's full 30 s window: ``python -m bench.asr_context``.

One process, one faster-whisper int8 model (beam 5, 2 threads), every clip of ``shared/speech`` through
the transcribe stage's core (``workers.transcribe.core.transcribe``: Silero VAD, then Whisper), each
configuration in turn on the same clip so machine load falls on all of them alike. CPU seconds are the
process's (every thread) around the whole call. The baseline is plain faster-whisper (``WhisperModel
.transcribe``, full windows: the stage with ``ASR_SIZED_CONTEXT=false``). Per-clip results are cached in
``results/asr_context.tmp/`` so an interrupted or repeated run measures only what is missing
(``--fresh`` ignores the cache). Writes results/asr_context.json and .md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench.clips import SpeechClip, load_manifest
from bench.report import describe_machine
from workers.transcribe.context import ContextOptions
from workers.transcribe.wer import word_error_rate

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_VERSION = 1  # bump when the decoding path changes, so cached rows are measured again
FALLBACK_PATH = "full window, one encode"  # what a fallback runs (rows record it)
ERROR_TOLERANCE = 0.01  # a sized window may cost each language at most 1 point of error rate (CER for ja/ko)
LENGTH_BUCKETS_S = (5.0, 10.0, 15.0, 30.0, 60.0)  # clip-length buckets of the CPU table (upper bounds)
BASELINE = "full window (plain faster-whisper)"
ONE_ENCODE = "full window, one encode"
CPU_NOISE = 0.05  # projected CPU within 5 % of the cheapest counts as equally cheap (run-to-run spread here)
CHOICE_RULE = (f"every language more than {ERROR_TOLERANCE * 100:g} point worse than the full window (CER for "
               "ja/ko) decoded on the full window; no lower spoken-language accuracy; the lowest projected error "
               f"among the configurations within {CPU_NOISE * 100:g} % of the least projected CPU")
_FIVES = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)


@dataclass(frozen=True)
class Config:
    """One way of running the stage's ASR."""

    label: str
    context: ContextOptions


def _sized(margin_s: float, buckets_s: tuple[float, ...] = _FIVES) -> ContextOptions:
    # every field explicit: the candidates must not move when the product defaults do
    return ContextOptions(sized=True, margin_s=margin_s, buckets_s=buckets_s, guard=True, full_window_languages=())


CONFIGS = (
    Config(BASELINE, ContextOptions(sized=False)),
    Config(ONE_ENCODE, _sized(2.0, (30.0,))),
    *(Config(f"sized, margin {m:g} s, 5 s buckets", _sized(m)) for m in (0.5, 1.0, 2.0, 3.0, 5.0)),
    Config("sized, margin 2 s, 10 s buckets", _sized(2.0, (10.0, 20.0, 30.0))),
)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def length_bucket(seconds: float) -> str:
    """The clip-length bucket label, e.g. ``5-10 s``."""
    lower = 0.0
    for upper in LENGTH_BUCKETS_S:
        if seconds < upper:
            return f"{lower:g}-{upper:g} s"
        lower = upper
    return f">= {lower:g} s"


def _order(item: tuple[str, Any]) -> float:
    """Length-bucket labels in numeric order (``5-10 s`` before ``10-15 s``)."""
    return float(item[0].lstrip(">= ").split("-")[0].split(" ")[0])


def context_key(context: ContextOptions) -> dict[str, Any]:
    """What of a configuration changes its decoding: nothing else when sizing is off."""
    if not context.sized:
        return {"sized": False}
    key = {k: v for k, v in asdict(context).items() if k != "full_window_languages" or v}
    if any(b < 30.0 for b in context.buckets_s):  # rows from when windows after the first were sized too
        key["later_windows"] = "full"
    return key


def _cache_key(config: Config, clip: SpeechClip, beam: int, threads: int) -> str:
    return json.dumps([CACHE_VERSION, context_key(config.context), clip.id, beam, threads], sort_keys=True)


def _current(row: dict[str, Any]) -> bool:
    """A cached row still measures today's code: rows whose decode fell back before the fallback took the
    one-encode full window (FALLBACK_PATH) are measured again."""
    return not row.get("fallback") or row.get("fallback_path") == FALLBACK_PATH


def _load_cache(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    rows = (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip())
    return {row["key"]: row for row in rows}


def measure(clips: list[SpeechClip], configs: tuple[Config, ...], cache_file: Path, beam: int = 5,
            threads: int = 2) -> list[dict[str, Any]]:
    """Every (config, clip) row, measuring only those missing from ``cache_file`` (appended as measured)."""
    from workers.transcribe.backends.faster_whisper import FasterWhisperBackend
    from workers.transcribe.core import TranscribeOptions, transcribe
    from workers.transcribe.decode import decode_audio
    from workers.transcribe.model_store import ensure_model_dir
    from workers.transcribe.types import DecodeOptions

    cached = {key: row for key, row in _load_cache(cache_file).items() if _current(row)}
    todo = [(c, k) for k in clips for c in configs if _cache_key(c, k, beam, threads) not in cached]
    if todo:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        backend = FasterWhisperBackend(ensure_model_dir(), compute_type="int8", cpu_threads=threads)
        audio = {clip.id: decode_audio(clip.path.read_bytes()) for clip in {k.id: k for _, k in todo}.values()}
        options = {c.label: TranscribeOptions(decode=DecodeOptions(beam_size=beam, context=c.context))
                   for c in configs}
        first = next(iter(audio.values()))
        for config in configs:  # warm-up: first-call allocations, one per encoder shape family
            transcribe(first, backend, options[config.label])
        with cache_file.open("a", encoding="utf-8") as out:
            for done, (config, clip) in enumerate(todo, start=1):
                wall, cpu = time.perf_counter(), _cpu_s()
                result = transcribe(audio[clip.id], backend, options[config.label])
                row: dict[str, Any] = {
                    "key": _cache_key(config, clip, beam, threads), "config": config.label, "clip": clip.id,
                    "lang": clip.lang, "audio_s": result.audio_duration_s, "cpu_s": _cpu_s() - cpu,
                    "wall_s": time.perf_counter() - wall, "text": result.text, "language": result.language,
                    "speech_s": result.extra.get("speech_s"), "window_s": result.extra.get("asr_window_s"),
                    "fallback": result.extra.get("asr_fallback"), "fallback_path": FALLBACK_PATH,
                    "load_average": os.getloadavg()[0],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                cached[row["key"]] = row
                print(f"[{done}/{len(todo)}] {config.label} {clip.id}: {row['cpu_s']:.2f} CPU s, "
                      f"window {row['window_s']} s, fallback {row['fallback']}", file=sys.stderr)
    return [cached[_cache_key(c, k, beam, threads)] for c in configs for k in clips]


LONG_UPLOADS_S = (30.0, 60.0)  # the capacity model's longer uploads; the shared clips are all under 15 s


def long_uploads(clips: list[SpeechClip], seconds: float) -> list[tuple[str, str, Any]]:
    """Per language, its clips back to back (manifest order, repeated if short) cut to ``seconds``: real
    speech as long as the capacity model's longer uploads. (id, language, samples)."""
    import numpy as np

    from workers.transcribe.decode import decode_audio

    uploads = []
    for lang in sorted({c.lang for c in clips}):
        own = [decode_audio(c.path.read_bytes()) for c in clips if c.lang == lang]
        if sum(a.size for a in own) < 16_000 * 15:  # too little speech to stand for a long upload
            continue
        joined = np.concatenate(own * math.ceil(seconds * 16_000 / sum(a.size for a in own)))
        uploads.append((f"{lang}_{seconds:g}s", lang, joined[: int(seconds * 16_000)]))
    return uploads


def measure_long(clips: list[SpeechClip], configs: tuple[Config, ...], cache_file: Path, beam: int = 5,
                 threads: int = 2) -> list[dict[str, Any]]:
    """CPU s per long upload (``LONG_UPLOADS_S``) for each configuration, cached like ``measure``."""
    from workers.transcribe.backends.faster_whisper import FasterWhisperBackend
    from workers.transcribe.core import TranscribeOptions, transcribe
    from workers.transcribe.model_store import ensure_model_dir
    from workers.transcribe.types import DecodeOptions

    cached = _load_cache(cache_file)
    uploads = [u for seconds in LONG_UPLOADS_S for u in long_uploads(clips, seconds)]

    def key(config: Config, upload_id: str) -> str:
        return json.dumps([CACHE_VERSION, context_key(config.context), upload_id, beam, threads], sort_keys=True)

    todo = [(c, u) for u in uploads for c in configs if key(c, u[0]) not in cached]
    if todo:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        backend = FasterWhisperBackend(ensure_model_dir(), compute_type="int8", cpu_threads=threads)
        options = {c.label: TranscribeOptions(decode=DecodeOptions(beam_size=beam, context=c.context))
                   for c in configs}
        for config in configs:
            transcribe(uploads[0][2][: 16_000 * 5], backend, options[config.label])  # warm-up
        with cache_file.open("a", encoding="utf-8") as out:
            for done, (config, (upload_id, lang, samples)) in enumerate(todo, start=1):
                cpu = _cpu_s()
                result = transcribe(samples, backend, options[config.label])
                row: dict[str, Any] = {
                       "key": key(config, upload_id), "config": config.label, "upload": upload_id, "lang": lang,
                       "audio_s": result.audio_duration_s, "cpu_s": _cpu_s() - cpu, "language": result.language,
                       "window_s": result.extra.get("asr_window_s"), "fallback": result.extra.get("asr_fallback")}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                cached[row["key"]] = row
                print(f"[long {done}/{len(todo)}] {config.label} {upload_id}: {row['cpu_s']:.2f} CPU s",
                      file=sys.stderr)
    return [cached[key(c, u[0])] for c in configs for u in uploads]


def summarize_long(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean CPU s per long upload, by configuration and length."""
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        out[row["config"]][f"{row['audio_s']:g}"].append(row["cpu_s"])
    return {label: {length: sum(v) / len(v) for length, v in lengths.items()} for label, lengths in out.items()}


def summarize(config: Config, rows: list[dict[str, Any]], clips: dict[str, SpeechClip]) -> dict[str, Any]:
    """CPU by clip-length bucket, error rate per language, language-id accuracy, fallbacks, windows."""
    errors: dict[str, list[float]] = defaultdict(list)
    cpu_by_bucket: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        clip = clips[row["clip"]]
        row["error"] = word_error_rate(clip.transcript, row["text"], clip.lang)
        errors[clip.lang].append(row["error"])
        cpu_by_bucket[length_bucket(clip.duration_s)].append(row["cpu_s"])
    every = [e for per_lang in errors.values() for e in per_lang]
    return {
        "label": config.label,
        "context": asdict(config.context),
        "clips": len(rows),
        "cpu_s": sum(r["cpu_s"] for r in rows),
        "wall_s": sum(r["wall_s"] for r in rows),
        "cpu_s_per_clip_by_length": {b: sum(v) / len(v) for b, v in sorted(cpu_by_bucket.items(), key=_order)},
        "clips_by_length": {b: len(v) for b, v in sorted(cpu_by_bucket.items(), key=_order)},
        "error_mean": sum(every) / len(every),
        "error_by_language": {lang: sum(v) / len(v) for lang, v in sorted(errors.items())},
        "language_accuracy": sum(r["language"] == clips[r["clip"]].lang for r in rows) / len(rows),
        "fallbacks": dict(Counter(r["fallback"] for r in rows if r["fallback"])),
        "windows_s": dict(sorted(Counter(str(r["window_s"]) for r in rows).items())),
        "rows": rows,
    }


def over_tolerance(summary: dict[str, Any], base: dict[str, Any]) -> tuple[str, ...]:
    """Languages whose error rate is more than ``ERROR_TOLERANCE`` above the full window's."""
    return tuple(lang for lang, error in summary["error_by_language"].items()
                 if error - base["error_by_language"][lang] > ERROR_TOLERANCE + 1e-9)


def choose(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The sized configuration to ship, and the languages it leaves on full windows.

    For each sized candidate, languages more than ``ERROR_TOLERANCE`` worse than the full window are
    decoded on the full window (``full_window_languages``); the candidate's projected CPU and error take
    the one-encode full window's rows for those languages. Among candidates with no lower spoken-language
    accuracy, those within ``CPU_NOISE`` of the cheapest count as equally cheap (repeated runs of one
    configuration differ by that much on this machine), and the lowest projected error among them wins.
    The policy is then measured as its own configuration (``policy``)."""
    base = next(s for s in summaries if s["label"] == BASELINE)
    once = {r["clip"]: r for r in next(s for s in summaries if s["label"] == ONE_ENCODE)["rows"]}
    candidates = []
    for s in summaries:
        context = s["context"]
        if not context["sized"] or tuple(context["buckets_s"]) == (30.0,) or context["full_window_languages"]:
            continue
        if s["language_accuracy"] < base["language_accuracy"]:
            continue
        bad = over_tolerance(s, base)
        kept = [once[r["clip"]] if r["lang"] in bad else r for r in s["rows"]]
        errors = [once[r["clip"]].get("error", 0.0) if r["lang"] in bad else r.get("error", 0.0) for r in s["rows"]]
        candidates.append((sum(r["cpu_s"] for r in kept), sum(errors) / len(errors), s, bad))
    if not candidates:
        return {"rule": CHOICE_RULE, "label": None, "context": None}
    cheapest = min(c[0] for c in candidates)
    projected, error, chosen, bad = min((c for c in candidates if c[0] <= cheapest * (1 + CPU_NOISE)),
                                        key=lambda c: (c[1], c[0]))
    context = replace(ContextOptions(**{**chosen["context"], "buckets_s": tuple(chosen["context"]["buckets_s"])}),
                      full_window_languages=bad)
    return {"rule": CHOICE_RULE, "label": chosen["label"], "full_window_languages": list(bad),
            "projected_cpu_s": projected, "projected_error": error, "context": asdict(context),
            "candidates": [{"label": c[2]["label"], "full_window_languages": list(c[3]), "projected_cpu_s": c[0],
                            "projected_error": c[1]} for c in candidates]}


def policy_config(choice: dict[str, Any]) -> Config | None:
    """The chosen candidate with its over-tolerance languages on full windows, as a configuration."""
    if not choice.get("full_window_languages"):
        return None
    context = ContextOptions(**{**choice["context"], "buckets_s": tuple(choice["context"]["buckets_s"]),
                                "full_window_languages": tuple(choice["full_window_languages"])})
    langs = ", ".join(choice["full_window_languages"])
    return Config(f"{choice['label']}, {langs} on full windows", context)


def speedups(summaries: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Baseline CPU over each configuration's CPU, per clip-length bucket and for clips under 15 s."""
    base = next(s for s in summaries if s["label"] == BASELINE)
    out = {}
    for s in summaries:
        ratios = {b: base["cpu_s_per_clip_by_length"][b] / v for b, v in s["cpu_s_per_clip_by_length"].items() if v}
        under = [r for r in s["rows"] if r["audio_s"] < 15.0]
        base_under = [r for r in base["rows"] if r["audio_s"] < 15.0]
        if under:
            ratios["all < 15 s"] = sum(r["cpu_s"] for r in base_under) / sum(r["cpu_s"] for r in under)
        out[s["label"]] = ratios
    return out


def run(shared_dir: Path, results_dir: Path, *, limit: int | None = None, fresh: bool = False,
        confirm: bool = False, long_uploads_too: bool = False) -> dict[str, Any]:
    """Measure (or read from the cache) every configuration on every clip; the results document."""
    clips = load_manifest(shared_dir)[:limit]
    cache_file = results_dir / "asr_context.tmp" / "rows.jsonl"
    if fresh and cache_file.is_file():
        cache_file.unlink()
    load_start = os.getloadavg()
    rows = measure(clips, CONFIGS, cache_file)
    by_id = {c.id: c for c in clips}
    summaries = [summarize(c, [r for r in rows if r["config"] == c.label], by_id) for c in CONFIGS]
    choice = choose(summaries)
    policy = policy_config(choice)
    if policy is not None:  # measured like the others (same process state, cached)
        rows = measure(clips, (policy,), cache_file)
        summaries.append(summarize(policy, rows, by_id))
        choice |= {"policy": policy.label, "policy_over_tolerance": list(over_tolerance(summaries[-1], summaries[0]))}
    confirmation, long = None, None
    shipped = policy or next((c for c in CONFIGS if c.label == choice["label"]), None)
    if confirm and shipped is not None:  # the shipped configuration and the baseline again, fresh, side by side
        pair = (CONFIGS[0], shipped)
        rows = measure(clips, pair, results_dir / "asr_context.tmp" / "confirm.jsonl")
        confirmation = [summarize(c, [r for r in rows if r["config"] == c.label], by_id) for c in pair]
    if long_uploads_too and shipped is not None:
        long_rows = measure_long(clips, (CONFIGS[0], shipped), results_dir / "asr_context.tmp" / "long.jsonl")
        long = {"cpu_s_per_upload": summarize_long(long_rows), "rows": long_rows}
    return {
        "machine": describe_machine() | {"load_average_start": load_start, "load_average_end": os.getloadavg()},
        "setup": "faster-whisper 1.2.1 int8, Whisper base, beam 5, 2 threads, VAD on, one process; "
        "CPU s = process CPU (all threads) of workers.transcribe.core.transcribe per clip",
        "clips": [{"id": c.id, "lang": c.lang, "duration_s": c.duration_s} for c in clips],
        "length_mix": dict(sorted(Counter(length_bucket(c.duration_s) for c in clips).items(), key=_order)),
        "configs": summaries,
        "speedup_vs_full_window": speedups(summaries),
        "choice": choice,
        "confirmation": confirmation,
        "long_uploads": long,
        "speedup_confirmation": speedups(confirmation) if confirmation else None,
        "gpu": "not measured: no GPU on this machine (python -m bench.asr_gpu measures it where there is one)",
    }


def _table(configs: list[dict[str, Any]], speed: dict[str, dict[str, float]]) -> list[str]:
    langs = sorted(configs[0]["error_by_language"])
    buckets = list(configs[0]["cpu_s_per_clip_by_length"])
    lines = [
        "| configuration | CPU s total | " + " | ".join(f"CPU s/clip {b}" for b in buckets)
        + " | × less CPU < 15 s | error all | " + " | ".join(langs) + " | LID acc | fallbacks | windows s (clips) |",
        "|---" * (6 + len(buckets) + len(langs)) + "|",
    ]
    for s in configs:
        cells = [s["label"], f"{s['cpu_s']:.1f}"]
        cells += [f"{s['cpu_s_per_clip_by_length'][b]:.2f}" for b in buckets]
        cells += [f"{speed[s['label']].get('all < 15 s', float('nan')):.2f}", f"{s['error_mean']:.3f}"]
        cells += [f"{s['error_by_language'][lang]:.3f}" for lang in langs]
        fallbacks = str(sum(s["fallbacks"].values())) + (f" {s['fallbacks']}" if s["fallbacks"] else "")
        windows = ", ".join(f"{w}: {n}" for w, n in sorted(s["windows_s"].items(), key=lambda i: float(i[0])))
        cells += [f"{s['language_accuracy']:.3f}", fallbacks, windows]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(results: dict[str, Any]) -> str:
    """The results document as a Markdown report."""
    configs = results["configs"]
    machine = results["machine"]
    lines = [
        "# ASR: encoder context sized to the speech vs the full 30 s window",
        "",
        f"{machine.get('date_utc', '')} · {machine.get('cpu_model', '')} · {machine.get('cpu_cores', '')} cores · "
        f"load average {machine['load_average_start'][0]:.1f} at start, {machine['load_average_end'][0]:.1f} at end "
        "(shared machine; each configuration runs on the same clip in turn, so load falls on all alike)",
        "",
        f"{results['setup']}. {len(results['clips'])} real clips of `shared/speech`, lengths "
        + ", ".join(f"{b}: {n}" for b, n in results["length_mix"].items()) + ".",
        "",
        "## Every configuration",
        "",
        *_table(configs, results["speedup_vs_full_window"]),
    ]
    choice = results["choice"]
    shipped = choice.get("policy") or choice["label"]
    lines += [
        "",
        "Error = mean per-clip WER (CER for ja and ko), Whisper-normalized (`workers/transcribe/wer.py`). "
        "\"full window, one encode\" is the sized code path with only a 30 s bucket: it separates the "
        "saving of encoding the first window once (plain faster-whisper encodes it twice when it detects the "
        "language) from the saving of the shorter window. A fallback's CPU (the sized try, then the full "
        "window encoded once) is in its row. The last row, when there is one, is the chosen candidate with "
        "its over-tolerance languages on full windows, measured after the others (per-clip rows cached in "
        "`results/asr_context.tmp/`).",
        "",
        f"**Choice** ({choice['rule']}): **{shipped}**" if shipped else
        f"**Choice** ({choice['rule']}): none qualifies; stay on full windows",
        "",
    ]
    if results.get("confirmation"):
        lines += ["## Confirmation: the baseline and the choice again, side by side in one process", "",
                  *_table(results["confirmation"], results["speedup_confirmation"]), ""]
    if results.get("long_uploads"):
        per = results["long_uploads"]["cpu_s_per_upload"]
        lengths = sorted({length for v in per.values() for length in v}, key=float)
        lines += ["## Longer uploads: real speech back to back (one upload per language)", "",
                  "| configuration | " + " | ".join(f"CPU s per {length} s upload" for length in lengths) + " |",
                  "|---" * (1 + len(lengths)) + "|"]
        lines += [f"| {label} | " + " | ".join(f"{v.get(length, float('nan')):.2f}" for length in lengths) + " |"
                  for label, v in per.items()]
        lines += ["", "Every window of these is a full 30 s one (only a first window under 30 s is sized): the "
                  "saving is the first window encoded once. They feed the capacity model's 30 s and 60 s uploads "
                  "(`bench/capacity.py`).", ""]
    lines += [f"GPU: {results['gpu']}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path,
                        default=Path(os.environ.get("FIDES_SHARED_DIR", REPO_ROOT.parent / "shared")))
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    parser.add_argument("--limit", type=int, default=None, help="only the first N manifest clips")
    parser.add_argument("--fresh", action="store_true", help="ignore cached per-clip rows")
    parser.add_argument("--confirm", action="store_true",
                        help="measure the baseline and the chosen configuration again, side by side in this process")
    parser.add_argument("--long", action="store_true",
                        help="also 30 s and 60 s uploads of real speech (clips back to back), for the capacity model")
    args = parser.parse_args(argv)
    results = run(args.shared_dir, args.results_dir, limit=args.limit, fresh=args.fresh, confirm=args.confirm,
                  long_uploads_too=args.long)
    stem = "asr_context" if args.limit is None else "asr_context_quick"
    (args.results_dir / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
    (args.results_dir / f"{stem}.md").write_text(render_markdown(results), "utf-8")
    print(f"wrote {args.results_dir / stem}.json and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
