"""Lag arithmetic from the fetch high watermark, and publishing into the metrics container."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from workers.lag import (
    PartitionLag,
    consumer_lag,
    partition_lags,
    publish_lags,
    reference_offset,
    total_lag,
)
from workers.metrics import PipelineMetrics


def test_lag_is_highwater_minus_next_offset() -> None:
    assert consumer_lag(120, 100) == 20
    assert consumer_lag(100, 100) == 0


def test_position_past_a_stale_highwater_is_zero_not_negative() -> None:
    assert consumer_lag(100, 130) == 0


def test_unknown_offsets_give_unknown_lag() -> None:
    assert consumer_lag(None, 5) is None
    assert consumer_lag(10, None) is None
    assert consumer_lag(-1, 5) is None
    assert consumer_lag(10, -1) is None


def test_reference_offset_prefers_committed_over_position() -> None:
    assert reference_offset(40, 55) == 40
    assert reference_offset(None, 55) == 55
    assert reference_offset(-1, 55) == 55
    assert reference_offset(None, None) is None


def test_partition_lags_reads_every_partition_through_the_lookups() -> None:
    highwaters = {("uploads.new", 0): 50, ("uploads.new", 1): 10, ("uploads.new", 2): None}
    offsets = {("uploads.new", 0): 20, ("uploads.new", 1): 10, ("uploads.new", 2): 3}
    lags = partition_lags(highwaters.keys(), lambda t, p: highwaters[(t, p)], lambda t, p: offsets[(t, p)])
    assert lags == [
        PartitionLag("uploads.new", 0, 30),
        PartitionLag("uploads.new", 1, 0),
        PartitionLag("uploads.new", 2, None),
    ]
    assert total_lag(lags) == 30


def test_publish_sets_known_lags_and_drops_partitions_no_longer_assigned() -> None:
    metrics = PipelineMetrics.create(CollectorRegistry())
    publish_lags(metrics, [PartitionLag("uploads.new", 0, 7), PartitionLag("uploads.new", 1, 3)])
    publish_lags(metrics, [PartitionLag("uploads.new", 1, 4), PartitionLag("uploads.new", 2, None)])
    sample = metrics.registry.get_sample_value
    assert sample("fides_consumer_lag_messages", {"topic": "uploads.new", "partition": "0"}) is None
    assert sample("fides_consumer_lag_messages", {"topic": "uploads.new", "partition": "1"}) == 4
    assert sample("fides_consumer_lag_messages", {"topic": "uploads.new", "partition": "2"}) is None
