"""A real Prometheus server scrapes a running worker while events flow; the key series exist and grow."""

from __future__ import annotations

import pytest

from tests.integration.helpers import collect, create_topics
from tests.support.prometheus import prometheus_binary, running_prometheus
from workers.publisher import UploadPublisher, new_upload


def publish(settings, count: int, start: int) -> None:
    with UploadPublisher(settings) as publisher:
        for i in range(start, start + count):
            publisher.publish(new_upload(video_id=f"v{i}", creator_id="c", region="ID",
                                         caption="kesehatan mental itu penting, jangan overthinking"))


@pytest.mark.skipif(prometheus_binary() is None, reason="prometheus binary missing: apt-get install prometheus")
def test_prometheus_sees_the_key_series_increase(settings_factory, worker_factory, tmp_path):
    settings = settings_factory()
    create_topics(settings)
    worker = worker_factory(settings)
    worker.wait_ready()
    with running_prometheus(f"127.0.0.1:{settings.worker.web_port}", tmp_path) as prom:
        publish(settings, 5, 0)
        collect(settings, ["content.enriched"], lambda f: len(f["content.enriched"]) >= 5, timeout_s=90)
        first = prom.wait_for('sum(fides_events_out_total{stage="route",topic="content.enriched"}) >= 5')
        publish(settings, 5, 5)
        collect(settings, ["content.enriched"], lambda f: len(f["content.enriched"]) >= 10, timeout_s=90)
        prom.wait_for('sum(fides_events_out_total{stage="route",topic="content.enriched"}) >= 10')
        assert float(first[0]["value"][1]) >= 5
        assert prom.wait_for('fides_end_to_end_latency_seconds_count >= 10')
        assert prom.wait_for('sum(fides_events_in_total{stage="transcribe"}) >= 10')
        assert prom.wait_for('sum(fides_languages_detected_total{language="id"}) >= 10')
        assert prom.wait_for('sum(fides_topics_tagged_total) > 0')
        assert prom.wait_for('sum by (topic) (fides_consumer_lag_messages) >= 0')
        # every message taken was answered, so the oldest unanswered one is young (the series exists)
        assert prom.wait_for('max(fides_oldest_unfinished_seconds{topic="uploads.new"}) < 600')
        assert prom.wait_for('fides_ready == 1')
        assert prom.wait_for('fides_build_info')
        assert prom.wait_for('up{job="fides-workers"} == 1')
