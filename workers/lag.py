"""Consumer lag from the consumer's own fetch high watermark: pure arithmetic, no Kafka imports.

Why not ListOffsets(latest)? The embedded Tansu broker under-reports the log end offset after batched
produces, so an admin-side lag probe reads ~0 while the consumer is thousands of messages behind. The
high watermark that arrives with every fetch response is right on Tansu and on Apache Kafka alike, and
the consumer already holds it (``app.consumer.highwater(tp)`` in Faust). The agent side reads
high watermark and committed offset/position per assigned partition on a timer and hands them here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PartitionLag:
    """The lag of one assigned topic-partition; ``lag`` is None while either offset is unknown."""

    topic: str
    partition: int
    lag: int | None


class LagSink(Protocol):
    """What publishing needs from ``PipelineMetrics``."""

    def set_consumer_lag(self, topic: str, partition: int, lag: int) -> None:
        """Set one partition's lag."""

    def retain_consumer_lag(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Forget the lag of every partition not listed."""


def _known(offset: int | None) -> int | None:
    # Kafka clients report "no offset" as None or as a negative sentinel (-1 OFFSET_INVALID).
    return offset if offset is not None and offset >= 0 else None


def consumer_lag(highwater: int | None, committed_or_position: int | None) -> int | None:
    """Messages between the next offset to consume and the high watermark; None when either is unknown."""
    high = _known(highwater)
    offset = _known(committed_or_position)
    if high is None or offset is None:
        return None
    # The high watermark is from the last fetch; a position past it only means that fetch is older.
    return max(0, high - offset)


def reference_offset(committed: int | None, position: int | None) -> int | None:
    """Offset lag is measured from: the committed offset when known (what survives a crash), else position."""
    return _known(committed) if _known(committed) is not None else _known(position)


def partition_lags(
    partitions: Iterable[tuple[str, int]],
    highwater: Callable[[str, int], int | None],
    offset: Callable[[str, int], int | None],
) -> list[PartitionLag]:
    """Lag of every ``(topic, partition)``, reading offsets through the two lookups."""
    return [
        PartitionLag(topic, partition, consumer_lag(highwater(topic, partition), offset(topic, partition)))
        for topic, partition in sorted(partitions)
    ]


def total_lag(lags: Iterable[PartitionLag]) -> int:
    """Sum of the known lags (unknown partitions count as zero, not as an error)."""
    return sum(item.lag for item in lags if item.lag is not None)


def publish_lags(sink: LagSink, lags: Iterable[PartitionLag]) -> None:
    """Set the gauge for every partition with a known lag and drop series of partitions no longer listed."""
    items = list(lags)
    for item in items:
        if item.lag is not None:
            sink.set_consumer_lag(item.topic, item.partition, item.lag)
    sink.retain_consumer_lag((item.topic, item.partition) for item in items if item.lag is not None)
