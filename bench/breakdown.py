"""Where one upload's time goes, from the StageTiming records a content.enriched event carries.

Each stage appends ``{stage, started_at (epoch ms), duration_ms}``; the gap between one stage's end and
the next one's start is the Kafka hop (produce, broker, fetch, queue); the last gap runs to the
enrichment's own broker timestamp. Pure functions: the benchmark decodes records and calls these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bench.stats import percentile


def epoch_ms(value: Any) -> float:
    """Avro timestamp-millis as decoded (datetime) or raw (int) → epoch milliseconds."""
    return value.timestamp() * 1000.0 if isinstance(value, datetime) else float(value)


def decompose(enrichment: Mapping[str, Any], emitted_ms: float) -> dict[str, float]:
    """Milliseconds per part: ``wait:<stage>`` (hop into the stage), ``<stage>`` (its work), ``wait:out``
    (route's send until the enrichment's broker timestamp) and ``total`` (upload → enrichment)."""
    parts: dict[str, float] = {}
    cursor = epoch_ms(enrichment["uploaded_at"])
    for timing in enrichment["timings"]:
        started = epoch_ms(timing["started_at"])
        parts[f"wait:{timing['stage']}"] = max(0.0, started - cursor)
        parts[timing["stage"]] = float(timing["duration_ms"])
        cursor = started + float(timing["duration_ms"])
    parts["wait:out"] = max(0.0, emitted_ms - cursor)
    parts["total"] = emitted_ms - epoch_ms(enrichment["uploaded_at"])
    return parts


def median_parts(decomposed: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Median of each part over many uploads (parts missing from some uploads use those that have them)."""
    columns: dict[str, list[float]] = defaultdict(list)
    for parts in decomposed:
        for name, value in parts.items():
            columns[name].append(value)
    return {name: percentile(values, 50) for name, values in columns.items()}


def share_of_total(parts: Mapping[str, float]) -> dict[str, float]:
    """Each part's fraction of ``total`` (0..1); parts are medians, so shares need not add to exactly 1."""
    total = parts.get("total", 0.0)
    return {name: value / total for name, value in parts.items() if name != "total" and total > 0}
