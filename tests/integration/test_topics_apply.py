"""`topics apply` is idempotent and reports drift against topics.yaml on a real broker."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from tests.integration.helpers import create_topics


def test_apply_creates_every_topic_once(settings_factory):
    settings = settings_factory()
    first = create_topics(settings)
    assert len(first.created) == 10 and not first.drift
    second = create_topics(settings)
    assert second.created == [] and sorted(second.unchanged) == sorted(first.created) and not second.drift


def test_partition_drift_is_reported_not_fixed(settings_factory):
    settings = settings_factory()
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    try:
        admin.create_topics([NewTopic(settings.topic("uploads.new"), 2, 1)])
    finally:
        admin.close()
    report = create_topics(settings)
    assert settings.topic("uploads.new") not in report.created
    assert any("uploads.new: 2 partitions (topics.yaml says 8)" in line for line in report.drift)
