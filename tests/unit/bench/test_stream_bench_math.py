"""Pure pieces of the stream benchmarks: percentiles, steady rates, pacing, time breakdown, capacity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.breakdown import decompose, median_parts, share_of_total
from bench.capacity import (
    Costs,
    Deployment,
    Workload,
    mean_audio_s,
    mean_windows,
    per_upload_cpu_ms,
    plan,
)
from bench.stats import paced_send_times, percentile, ratio, steady_rate, summarize_latencies


def test_percentile_interpolates_between_ranks_like_numpy() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 95) == 7.0
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0


@pytest.mark.parametrize("bad", [-1.0, 100.5])
def test_percentile_rejects_out_of_range(bad: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], bad)


def test_summary_of_a_tail_heavy_sample() -> None:
    sample = [10.0] * 98 + [500.0, 1000.0]
    summary = summarize_latencies(sample)
    assert summary.p50_ms == 10.0
    assert summary.p99_ms > 500.0
    assert summary.max_ms == 1000.0
    assert summary.mean_ms == pytest.approx((980 + 1500) / 100)


def test_steady_rate_ignores_startup_and_drain() -> None:
    # 100 outputs at 10 ms spacing (100/s) after a 5 s start-up gap for the first 5 outputs.
    stamps = [float(i) for i in range(5)] + [5000.0 + 10 * i for i in range(95)]
    assert steady_rate(stamps) == pytest.approx(100.0, rel=0.02)


def test_steady_rate_needs_enough_outputs_and_time() -> None:
    with pytest.raises(ValueError, match="too few"):
        steady_rate([1.0, 2.0])
    with pytest.raises(ValueError, match="no time"):
        steady_rate([5.0] * 20)


def test_ratio_and_pacing() -> None:
    assert ratio(65.0, 100.0) == pytest.approx(0.65)
    assert ratio(1.0, 0.0) is None
    times = paced_send_times(50.0, 2.0)
    assert len(times) == 100 and times[1] == pytest.approx(0.02)


def _ms(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def test_decompose_splits_hops_and_stage_work() -> None:
    enrichment = {"uploaded_at": _ms(1_000_000), "timings": [
        {"stage": "transcribe", "started_at": _ms(1_000_100), "duration_ms": 900.0},
        {"stage": "language", "started_at": _ms(1_001_050), "duration_ms": 2.0},
    ]}
    parts = decompose(enrichment, emitted_ms=1_001_100.0)
    assert parts["wait:transcribe"] == pytest.approx(100.0)
    assert parts["transcribe"] == 900.0
    assert parts["wait:language"] == pytest.approx(50.0)
    assert parts["wait:out"] == pytest.approx(48.0)
    assert parts["total"] == pytest.approx(1100.0)
    shares = share_of_total(parts)
    assert shares["transcribe"] == pytest.approx(900 / 1100)


def test_median_parts_over_uploads() -> None:
    medians = median_parts([{"a": 1.0, "total": 10.0}, {"a": 3.0, "total": 30.0}, {"total": 20.0}])
    assert medians == {"a": 2.0, "total": 20.0}


def test_mean_audio_caps_long_clips() -> None:
    workload = Workload(audio_s_buckets=((10.0, 0.5), (120.0, 0.5)), max_audio_s=60.0)
    assert mean_audio_s(workload) == pytest.approx(35.0)
    assert mean_windows(workload) == pytest.approx(1.5)  # 10 s -> 1 padded window, 60 s -> 2


def test_capacity_plan_arithmetic() -> None:
    workload = Workload(uploads_per_s=100.0, audio_fraction=0.5, audio_s_buckets=((20.0, 1.0),),
                        speech_fraction=0.5, reuse_rate=0.2)
    costs = Costs(asr_cpu_s_per_window=2.0, decode_vad_cpu_s_per_audio_s=0.01, decode_cpu_s_per_audio_s=0.005,
                  light_cpu_ms_per_upload=10.0, hop_cpu_ms=1.0)
    result = plan(workload, costs, Deployment(target_utilization=0.5, asr_cores_per_replica=2))
    # 50 audio uploads/s, 40 fresh, 20 with speech x 20 s = 400 audio s/s to Whisper; 20 windows/s x 2 s = 40.
    assert result["asr_audio_s_per_s"] == pytest.approx(400.0)
    busy = result["busy_cores"]
    assert busy["asr"] == pytest.approx(40.0)
    assert busy["decode_vad"] == pytest.approx(8.0)
    assert busy["decode_cache_hits"] == pytest.approx(1.0)
    assert busy["light"] == pytest.approx(1.0)
    # (40 + 8 + 1 + 0.1) / 0.5 / 2 -> 50 transcriber replicas; light 1.0 / 0.5 -> 2 workers.
    assert result["replicas"] == {"transcribe": 50, "light": 2}
    assert result["cpu_cores"] == 102
    assert result["partitions"] == {"uploads.new": 128, "light topics": 4}
    assert result["gpus"] == 0


def test_gpu_plan_moves_asr_off_cpu() -> None:
    workload = Workload(uploads_per_s=100.0, audio_fraction=1.0, audio_s_buckets=((30.0, 1.0),),
                        speech_fraction=1.0, reuse_rate=0.0)
    result = plan(workload, Costs(gpu_audio_s_per_s=1000.0), Deployment(target_utilization=0.5))
    assert result["busy_cores"]["asr"] == 0.0
    assert result["gpus"] == 6  # 3000 audio s/s / 1000 / 0.5


def test_per_upload_costs_order() -> None:
    costs = per_upload_cpu_ms(30.0, 1.0, Costs())
    assert costs["text-only"] < costs["reused-sound"] < costs["music-only"] < costs["speech"]
    assert costs["silent"] == costs["music-only"]


def test_rank_frames_self_and_inclusive_shares() -> None:
    from bench.pyspy import rank_frames

    collapsed = ["main;run;tag 6", "main;run;language 3", "main;idle 1", "garbage line"]
    ranked = rank_frames(collapsed)
    assert ranked["self"][0] == ("tag", pytest.approx(0.6))
    assert dict(ranked["inclusive"])["run"] == pytest.approx(0.9)
    assert dict(ranked["inclusive"])["main"] == pytest.approx(1.0)
    assert rank_frames([]) == {"self": [], "inclusive": []}
