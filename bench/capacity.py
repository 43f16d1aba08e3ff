"""Capacity model: upload mix + measured per-core costs → partitions, replicas per stage group, CPUs/GPUs.

``python -m bench.capacity [--uploads-per-s 1000] [--json]`` reads the measured costs from
results/bench_summary.json and results/asr_bench.json when present (else the documented fallbacks) and
prints the plan. Every input is a field below with its meaning; docs/capacity.md walks through an example.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from workers.settings import REPO_ROOT

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


def mean_audio_s(workload: Workload) -> float:
    """Mean decoded audio seconds per audio upload (each bucket capped at MAX_AUDIO_S)."""
    total = sum(share for _, share in workload.audio_s_buckets)
    return sum(min(s, workload.max_audio_s) * share for s, share in workload.audio_s_buckets) / total


def mean_windows(workload: Workload) -> float:
    """Mean Whisper 30 s windows per audio upload: a 5 s clip is padded to one full window."""
    total = sum(share for _, share in workload.audio_s_buckets)
    return sum(math.ceil(min(s, workload.max_audio_s) / WINDOW_S) * share
               for s, share in workload.audio_s_buckets) / total


def _pow2(n: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(1.0, n))))


def plan(workload: Workload, costs: Costs, deploy: Deployment) -> dict[str, Any]:
    """Cores per kind of work, replicas per stage group and partitions per topic at ``workload``."""
    audio_per_s = workload.uploads_per_s * workload.audio_fraction
    fresh = audio_per_s * (1 - workload.reuse_rate)
    seconds = mean_audio_s(workload)
    asr_audio_s = fresh * workload.speech_fraction * seconds  # audio seconds per second that reach Whisper
    asr_windows = fresh * workload.speech_fraction * mean_windows(workload)
    cores = {
        "decode_vad": fresh * seconds * costs.decode_vad_cpu_s_per_audio_s,
        "decode_cache_hits": (audio_per_s - fresh) * seconds * costs.decode_cpu_s_per_audio_s,
        "asr": 0.0 if costs.gpu_audio_s_per_s else asr_windows * costs.asr_cpu_s_per_window,
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
        "per_upload_cpu_ms": per_upload_cpu_ms(seconds, mean_windows(workload), costs),
    }


def per_upload_cpu_ms(seconds: float, windows: float, costs: Costs) -> dict[str, float]:
    """CPU milliseconds one upload of each kind costs end to end (mean audio length)."""
    light = costs.light_cpu_ms_per_upload + costs.hop_cpu_ms
    silent_or_music = seconds * costs.decode_vad_cpu_s_per_audio_s * 1000 + light
    return {
        "text-only": light,
        "silent": silent_or_music,
        "music-only": silent_or_music,
        "speech": silent_or_music + windows * costs.asr_cpu_s_per_window * 1000,
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
    if asr is not None:
        asr_data = json.loads(asr.read_text("utf-8"))
        label = asr_data.get("default_decoding", {}).get("label")
        chosen = next((c for c in asr_data.get("configs", []) if c["label"] == label), None)
        per_window = sorted(c["cpu_s"] / math.ceil(c["audio_s"] / WINDOW_S) for c in (chosen or {}).get("clips", []))
        if per_window:
            costs = replace(costs, asr_cpu_s_per_window=per_window[len(per_window) // 2])
            found.append(f"asr_cpu_s_per_window from {asr.name} ({label}, median CPU s per 30 s window)")
    return costs, found


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads-per-s", type=float, default=Workload.uploads_per_s)
    parser.add_argument("--speech-fraction", type=float, default=Workload.speech_fraction)
    parser.add_argument("--reuse-rate", type=float, default=Workload.reuse_rate)
    parser.add_argument("--audio-fraction", type=float, default=Workload.audio_fraction)
    parser.add_argument("--gpu-audio-s-per-s", type=float, default=0.0,
                        help="plan ASR on GPUs that each transcribe this many audio seconds per second")
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    workload = Workload(uploads_per_s=args.uploads_per_s, speech_fraction=args.speech_fraction,
                        reuse_rate=args.reuse_rate, audio_fraction=args.audio_fraction)
    costs, sources = measured_costs(args.results_dir)
    costs = replace(costs, gpu_audio_s_per_s=args.gpu_audio_s_per_s)
    result = {"workload": asdict(workload), "costs": asdict(costs), "measured": sources,
              "deployment": asdict(Deployment()), "plan": plan(workload, costs, Deployment())}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
