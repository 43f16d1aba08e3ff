"""Capacity model: upload mix + measured per-core costs → partitions, replicas per stage group, CPUs/GPUs.

``python -m bench.capacity [--uploads-per-s 1000] [--json]`` reads the measured costs from
results/bench_summary.json, results/asr_context.json and results/asr_bench.json when present (else the
documented fallbacks) and prints the plan, with ASR on encoder windows sized to the speech (the default,
``ASR_SIZED_CONTEXT``) and, beside it, on full 30 s windows. Every input is a field below with its
meaning; docs/capacity.md walks through an example.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from workers.settings import REPO_ROOT
from workers.transcribe.context import ContextOptions, window_seconds

WINDOW_S = 30.0  # Whisper encodes fixed 30 s windows; shorter audio is padded


@dataclass(frozen=True)
class Workload:
    """The upload stream at peak."""

    uploads_per_s: float = 1000.0
    audio_fraction: float = 0.9  # uploads with an audio track (the rest are text-only)
    audio_s_buckets: tuple[tuple[float, float], ...] = ((10.0, 0.35), (30.0, 0.40), (60.0, 0.25))  # (s, share)
    speech_fraction: float = 0.6  # of audio uploads: VAD finds speech (music-only and silent are the rest)
    reuse_rate: float = 0.3  # of audio uploads: the sound was transcribed before (cache hit, no VAD, no ASR)
    max_audio_s: float = 60.0  # MAX_AUDIO_S: only this much audio is decoded and transcribed


@dataclass(frozen=True)
class Costs:
    """Measured per-core costs (CPU seconds); defaults are this repository's measurements or stated guesses."""

    asr_cpu_s_per_window: float = 1.5  # Whisper base, faster-whisper int8: CPU s per (padded) 30 s window
    # plain faster-whisper encodes a clip's first window twice (language detection, then decoding): the
    # second encode's CPU s, included in asr_cpu_s_per_window, paid once per upload however many windows
    asr_lid_encode_cpu_s: float = 0.0
    # encoder windows sized to the speech: (window s, CPU s per window), measured; () = full windows only
    asr_sized_cpu_s_by_window: tuple[tuple[float, float], ...] = ()
    asr_sized_fallback_rate: float = 0.0  # uploads whose sized decode is redone on the full window
    asr_sized_fallback_extra_cpu_s: float = 0.0  # what such an upload costs over the full window encoded once
    # measured ASR CPU s per upload by upload length (s, CPU s), full windows and sized windows; when both are
    # there they replace the per-window arithmetic above (interpolated between the measured lengths)
    asr_full_cpu_s_by_length: tuple[tuple[float, float], ...] = ()
    asr_sized_cpu_s_by_length: tuple[tuple[float, float], ...] = ()
    decode_vad_cpu_s_per_audio_s: float = 0.01  # fetch + decode + Silero VAD per audio second
    decode_cpu_s_per_audio_s: float = 0.004  # fetch + decode + hash only (cache hits)
    light_cpu_ms_per_upload: float = 9.0  # language + tag + route + Avro + Faust, one upload
    hop_cpu_ms: float = 0.2  # Faust consume + produce of one event (the transcribe stage's own overhead)
    gpu_audio_s_per_s: float = 0.0  # audio seconds one GPU transcribes per second; 0 = plan CPUs only


@dataclass(frozen=True)
class Deployment:
    """How replicas are sized and how much headroom is kept."""

    target_utilization: float = 0.6  # plan for 60 % busy at peak: room for bursts, rebalances and replays
    asr_cores_per_replica: int = 2  # ASR_THREADS: one transcriber pod = 2 cores
    partition_headroom: float = 2.0  # partitions = replicas x this, so the group can scale out without repartitioning
    context: ContextOptions = ContextOptions(sized=True)  # ASR_SIZED_CONTEXT, ASR_CONTEXT_MARGIN_S


def mean_audio_s(workload: Workload) -> float:
    """Mean decoded audio seconds per audio upload (each bucket capped at MAX_AUDIO_S)."""
    total = sum(share for _, share in workload.audio_s_buckets)
    return sum(min(s, workload.max_audio_s) * share for s, share in workload.audio_s_buckets) / total


def mean_windows(workload: Workload) -> float:
    """Mean Whisper 30 s windows per audio upload: a 5 s clip is padded to one full window."""
    total = sum(share for _, share in workload.audio_s_buckets)
    return sum(math.ceil(min(s, workload.max_audio_s) / WINDOW_S) * share
               for s, share in workload.audio_s_buckets) / total


def _lengths(workload: Workload) -> list[tuple[float, float]]:
    total = sum(share for _, share in workload.audio_s_buckets)
    return [(min(s, workload.max_audio_s), share / total) for s, share in workload.audio_s_buckets]


def _interpolate(table: tuple[tuple[float, float], ...], x: float) -> float:
    points = sorted(table)
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def full_window_asr_cpu_s(length_s: float, costs: Costs, *, once: bool = False) -> float:
    """One clip on full 30 s windows: plain faster-whisper encodes the first one twice (``once``: the
    sized path's full-window fallback encodes it once)."""
    windows = math.ceil(length_s / WINDOW_S)
    per_window = costs.asr_cpu_s_per_window - costs.asr_lid_encode_cpu_s
    return windows * per_window + (0.0 if once else costs.asr_lid_encode_cpu_s)


def sized_windows(length_s: float, context: ContextOptions) -> list[float]:
    """Encoder windows of one clip: full 30 s ones, then the last, partial one sized to its audio
    (speech assumed to run to the end: the workload does not say where VAD would stop it)."""
    full, rest = divmod(length_s, WINDOW_S)
    windows = [WINDOW_S] * int(full)
    if rest > 1e-9 or not windows:
        windows.append(window_seconds(rest, None, context))
    return windows


def sized_asr_cpu_s(length_s: float, costs: Costs, context: ContextOptions) -> float:
    """One clip on windows sized to the speech; a measured share falls back to the full window."""
    own = sum(_interpolate(costs.asr_sized_cpu_s_by_window, w) for w in sized_windows(length_s, context))
    fallback = full_window_asr_cpu_s(length_s, costs, once=True) + costs.asr_sized_fallback_extra_cpu_s
    return (1 - costs.asr_sized_fallback_rate) * own + costs.asr_sized_fallback_rate * fallback


def asr_cpu_s_per_speech_upload(workload: Workload, costs: Costs, deploy: Deployment) -> float:
    """Mean ASR CPU s per upload that reaches Whisper, over the length mix."""
    if costs.asr_full_cpu_s_by_length and costs.asr_sized_cpu_s_by_length:
        table = costs.asr_sized_cpu_s_by_length if deploy.context.sized else costs.asr_full_cpu_s_by_length
        return sum(share * _interpolate(table, s) for s, share in _lengths(workload))
    sized = deploy.context.sized and bool(costs.asr_sized_cpu_s_by_window)
    return sum(share * (sized_asr_cpu_s(s, costs, deploy.context) if sized else full_window_asr_cpu_s(s, costs))
               for s, share in _lengths(workload))


def _pow2(n: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(1.0, n))))


def plan(workload: Workload, costs: Costs, deploy: Deployment) -> dict[str, Any]:
    """Cores per kind of work, replicas per stage group and partitions per topic at ``workload``."""
    audio_per_s = workload.uploads_per_s * workload.audio_fraction
    fresh = audio_per_s * (1 - workload.reuse_rate)
    seconds = mean_audio_s(workload)
    asr_audio_s = fresh * workload.speech_fraction * seconds  # audio seconds per second that reach Whisper
    asr_per_upload = asr_cpu_s_per_speech_upload(workload, costs, deploy)
    cores = {
        "decode_vad": fresh * seconds * costs.decode_vad_cpu_s_per_audio_s,
        "decode_cache_hits": (audio_per_s - fresh) * seconds * costs.decode_cpu_s_per_audio_s,
        "asr": 0.0 if costs.gpu_audio_s_per_s else fresh * workload.speech_fraction * asr_per_upload,
        "transcribe_hops": workload.uploads_per_s * costs.hop_cpu_ms / 1000,
        "light": workload.uploads_per_s * costs.light_cpu_ms_per_upload / 1000,
    }
    transcribe_cores = cores["decode_vad"] + cores["decode_cache_hits"] + cores["asr"] + cores["transcribe_hops"]
    transcribers = math.ceil(transcribe_cores / deploy.target_utilization / deploy.asr_cores_per_replica)
    light_workers = math.ceil(cores["light"] / deploy.target_utilization)  # one core each: Python's GIL
    gpu_rate = costs.gpu_audio_s_per_s
    gpus = math.ceil(asr_audio_s / gpu_rate / deploy.target_utilization) if gpu_rate else 0
    return {
        "mean_audio_s": seconds,
        "asr_audio_s_per_s": asr_audio_s,
        "busy_cores": cores,
        "replicas": {"transcribe": transcribers, "light": light_workers},
        "cpu_cores": transcribers * deploy.asr_cores_per_replica + light_workers,
        "gpus": gpus,
        "partitions": {"uploads.new": _pow2(transcribers * deploy.partition_headroom),
                       "light topics": _pow2(light_workers * deploy.partition_headroom)},
        "asr_windows": "sized to the speech" if deploy.context.sized
        and (costs.asr_sized_cpu_s_by_window or costs.asr_sized_cpu_s_by_length) else "full 30 s",
        "asr_cpu_s_per_speech_upload": asr_per_upload,
        "per_upload_cpu_ms": per_upload_cpu_ms(seconds, mean_windows(workload), costs, asr_per_upload),
    }


def per_upload_cpu_ms(seconds: float, windows: float, costs: Costs,
                      asr_cpu_s: float | None = None) -> dict[str, float]:
    """CPU milliseconds one upload of each kind costs end to end (mean audio length); ``asr_cpu_s``: a
    speech upload's ASR CPU s (default: ``windows`` full windows)."""
    light = costs.light_cpu_ms_per_upload + costs.hop_cpu_ms
    silent_or_music = seconds * costs.decode_vad_cpu_s_per_audio_s * 1000 + light
    return {
        "text-only": light,
        "silent": silent_or_music,
        "music-only": silent_or_music,
        "speech": silent_or_music + (windows * costs.asr_cpu_s_per_window if asr_cpu_s is None else asr_cpu_s) * 1000,
        "reused-sound": seconds * costs.decode_cpu_s_per_audio_s * 1000 + light,
    }


def measured_costs(results: Path, base: Costs = Costs()) -> tuple[Costs, list[str]]:
    """Costs with every value found in the results files replaced by the measurement; says which."""
    found, costs = [], base
    summary = results / "bench_summary.json"
    asr = next((p for p in (results / "asr_bench.json", results / "asr_bench_quick.json") if p.is_file()), None)
    data: dict[str, Any] = {}
    if summary.is_file():
        data = json.loads(summary.read_text("utf-8"))
        light = {r["label"]: r for r in data.get("light", [])}
        if light.get("light path", {}).get("cpu_ms_per_event"):
            costs = replace(costs, light_cpu_ms_per_upload=light["light path"]["cpu_ms_per_event"])
            found.append("light_cpu_ms_per_upload from bench_summary.json (light path CPU ms/event)")
        hop = light.get("bare Faust passthrough (1 hop)", {}).get("cpu_ms_per_event")
        if hop:
            costs = replace(costs, hop_cpu_ms=hop)
            found.append("hop_cpu_ms from bench_summary.json (bare Faust passthrough CPU ms/event)")
    kinds = data.get("per_upload") or {}
    for field, names in (("decode_vad_cpu_s_per_audio_s", ("music", "silent")),
                         ("decode_cpu_s_per_audio_s", ("reused",))):
        rates = [t["processing_ms"] / 1000 / t["audio_duration_s"] for kind in names
                 for t in kinds.get(kind, {}).get("transcript", []) if t["audio_duration_s"] > 0
                 and (kind != "reused" or t["cache_hit"])]
        if rates:
            costs = replace(costs, **{field: sorted(rates)[len(rates) // 2]})
            found.append(f"{field} from bench_summary.json per_upload {'/'.join(names)} (wall ms, median)")
    context = results / "asr_context.json"
    if context.is_file():
        costs, notes = context_costs(json.loads(context.read_text("utf-8")), costs)
        found += notes
    elif asr is not None:
        asr_data = json.loads(asr.read_text("utf-8"))
        label = asr_data.get("default_decoding", {}).get("label")
        chosen = next((c for c in asr_data.get("configs", []) if c["label"] == label), None)
        per_window = sorted(c["cpu_s"] / math.ceil(c["audio_s"] / WINDOW_S) for c in (chosen or {}).get("clips", []))
        if per_window:
            costs = replace(costs, asr_cpu_s_per_window=per_window[len(per_window) // 2])
            found.append(f"asr_cpu_s_per_window from {asr.name} ({label}, median CPU s per 30 s window)")
    return costs, found


def context_costs(data: dict[str, Any], costs: Costs) -> tuple[Costs, list[str]]:
    """Full-window and sized-window ASR costs from one bench.asr_context run (same clips, same process)."""
    configs = {c["label"]: c for c in data.get("configs", [])}
    choice = data.get("choice") or {}
    chosen = configs.get(choice.get("policy") or choice.get("label") or "")
    plain, once = configs.get("full window (plain faster-whisper)"), configs.get("full window, one encode")
    if not (plain and once):
        return costs, []
    per_window = _mean([r["cpu_s"] for r in plain["rows"]])
    single = _mean([r["cpu_s"] for r in once["rows"] if not r["fallback"]])
    costs = replace(costs, asr_cpu_s_per_window=per_window, asr_lid_encode_cpu_s=max(0.0, per_window - single))
    notes = ["asr_cpu_s_per_window, asr_lid_encode_cpu_s from asr_context.json (plain faster-whisper, and the "
             "one-encode full window: mean CPU s per clip)"]
    if chosen:
        kept = [r for r in chosen["rows"] if not r["fallback"]]
        by_window: dict[float, list[float]] = {}
        for row in kept:
            by_window.setdefault(float(row["window_s"]), []).append(row["cpu_s"])
        if WINDOW_S not in by_window:  # no clip here needed a full window: the one-encode run measured it
            by_window[WINDOW_S] = [single]
        table = tuple(sorted((w, _mean(v)) for w, v in by_window.items()))
        fell = [r for r in chosen["rows"] if r["fallback"]]
        once_by_clip = {r["clip"]: r["cpu_s"] for r in once["rows"]}
        extra = _mean([r["cpu_s"] - once_by_clip[r["clip"]] for r in fell])
        costs = replace(costs, asr_sized_cpu_s_by_window=table, asr_sized_fallback_rate=len(fell) / len(chosen["rows"]),
                        asr_sized_fallback_extra_cpu_s=max(0.0, extra))
        notes.append(f"asr_sized_cpu_s_by_window, asr_sized_fallback_rate, asr_sized_fallback_extra_cpu_s from "
                     f"asr_context.json ({chosen['label']}: mean CPU s per clip by encoder window, 30 s = the "
                     "one-encode full window; fallback share and extra CPU over the one-encode full window, on "
                     "the shared clips' language mix)")
    long = (data.get("long_uploads") or {}).get("cpu_s_per_upload") or {}
    short = {c["label"]: c for c in data.get("confirmation") or []} or configs
    shipped = choice.get("policy") or choice.get("label") or ""
    if long.get(plain["label"]) and long.get(shipped) and shipped in short:
        costs = replace(costs, asr_full_cpu_s_by_length=_by_length(short[plain["label"]], long[plain["label"]]),
                        asr_sized_cpu_s_by_length=_by_length(short[shipped], long[shipped]))
        notes.append("asr_full_cpu_s_by_length, asr_sized_cpu_s_by_length from asr_context.json (mean CPU s per "
                     "upload: the shared clips by length bucket at their mean length, and the 30 s / 60 s uploads "
                     "of real speech back to back; fallbacks included, on the shared clips' language mix)")
    return costs, notes


def _by_length(summary: dict[str, Any], long: dict[str, float]) -> tuple[tuple[float, float], ...]:
    """(mean length, mean CPU s) per length bucket of the short clips, plus the long uploads."""
    buckets: dict[str, list[dict[str, Any]]] = {}
    for row in summary["rows"]:
        buckets.setdefault(_bucket(row["audio_s"]), []).append(row)
    points = [(_mean([r["audio_s"] for r in rows]), _mean([r["cpu_s"] for r in rows])) for rows in buckets.values()]
    return tuple(sorted(points + [(float(length), cpu) for length, cpu in long.items()]))


def _bucket(seconds: float) -> str:
    return f"{int(seconds // 5) * 5}"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _buckets(text: str) -> tuple[tuple[float, float], ...]:
    pairs = (part.split(":") for part in text.split(",") if part.strip())
    return tuple((float(seconds), float(share)) for seconds, share in pairs)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads-per-s", type=float, default=Workload.uploads_per_s)
    parser.add_argument("--speech-fraction", type=float, default=Workload.speech_fraction)
    parser.add_argument("--reuse-rate", type=float, default=Workload.reuse_rate)
    parser.add_argument("--audio-fraction", type=float, default=Workload.audio_fraction)
    parser.add_argument("--gpu-audio-s-per-s", type=float, default=0.0,
                        help="plan ASR on GPUs that each transcribe this many audio seconds per second")
    parser.add_argument("--audio-s-buckets", type=_buckets, default=Workload.audio_s_buckets,
                        help="upload length mix as seconds:share pairs, e.g. 10:0.35,30:0.4,60:0.25")
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    workload = Workload(uploads_per_s=args.uploads_per_s, speech_fraction=args.speech_fraction,
                        reuse_rate=args.reuse_rate, audio_fraction=args.audio_fraction,
                        audio_s_buckets=args.audio_s_buckets)
    costs, sources = measured_costs(args.results_dir)
    costs = replace(costs, gpu_audio_s_per_s=args.gpu_audio_s_per_s)
    deploy = Deployment()
    sized, full = plan(workload, costs, deploy), plan(workload, costs, replace(deploy, context=ContextOptions()))
    result = {"workload": asdict(workload), "costs": asdict(costs), "measured": sources,
              "deployment": asdict(deploy), "plan": sized, "plan_full_window": full,
              "asr_cores_saved": 1 - sized["busy_cores"]["asr"] / full["busy_cores"]["asr"]
              if full["busy_cores"]["asr"] else 0.0}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
