"""Pure arithmetic of the stream benchmarks: percentiles, steady-state rates, ratios (no broker, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

STEADY_TRIM = 0.1  # drop the first and last 10 % of outputs: start-up fill and tail drain are not steady state


@dataclass(frozen=True)
class LatencySummary:
    """Percentiles of one latency sample, in milliseconds."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of an empty sample")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize_latencies(values_ms: Sequence[float]) -> LatencySummary:
    """p50 / p95 / p99 / max / mean of a latency sample."""
    return LatencySummary(
        count=len(values_ms),
        p50_ms=percentile(values_ms, 50),
        p95_ms=percentile(values_ms, 95),
        p99_ms=percentile(values_ms, 99),
        max_ms=max(values_ms),
        mean_ms=sum(values_ms) / len(values_ms),
    )


def steady_rate(timestamps_ms: Sequence[float], trim: float = STEADY_TRIM) -> float:
    """Events per second between the ``trim`` and ``1 - trim`` quantiles of output timestamps.

    Output record timestamps are stamped by the producing process, so the rate excludes start-up,
    consumer-group join and the reader's own speed.
    """
    if len(timestamps_ms) < 10:
        raise ValueError(f"{len(timestamps_ms)} outputs are too few for a steady-state rate")
    ordered = sorted(timestamps_ms)
    first, last = int(len(ordered) * trim), int(len(ordered) * (1 - trim)) - 1
    span_s = (ordered[last] - ordered[first]) / 1000.0
    if span_s <= 0:
        raise ValueError("outputs span no time: raise the event count")
    return (last - first) / span_s


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None when the denominator was not measured."""
    return numerator / denominator if denominator else None


def paced_send_times(rate_per_s: float, duration_s: float) -> list[float]:
    """Open-loop schedule: offsets (s) of each send at a constant rate, independent of responses."""
    if rate_per_s <= 0 or duration_s <= 0:
        raise ValueError("rate and duration must be positive")
    return [i / rate_per_s for i in range(int(rate_per_s * duration_s))]
