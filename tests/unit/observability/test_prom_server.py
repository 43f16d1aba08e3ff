"""tests.support.prometheus against a real Prometheus scraping a tiny prometheus_client server."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, start_http_server

from tests.support.prometheus import prometheus_binary, running_prometheus
from workers.metrics import PipelineMetrics

pytestmark = pytest.mark.skipif(
    prometheus_binary() is None,
    reason="prometheus binary missing: install the Debian package `prometheus` (.ci/run does)",
)


def test_real_prometheus_scrapes_pipeline_metrics_and_sees_them_increase(tmp_path: Path) -> None:
    metrics = PipelineMetrics.create(CollectorRegistry())
    metrics.set_ready(True)
    metrics.event_in("language", "uploads.transcribed")
    server, thread = start_http_server(0, addr="127.0.0.1", registry=metrics.registry)
    try:
        port = server.server_address[1]
        with running_prometheus(f"127.0.0.1:{port}", tmp_path) as prom:
            prom.wait_for('fides_events_in_total{stage="language"} >= 1', timeout=20)
            assert prom.scalar('up{job="fides-workers"}') == 1
            assert prom.scalar("fides_ready") == 1
            for _ in range(5):
                metrics.event_in("language", "uploads.transcribed")
            rows = prom.wait_for('fides_events_in_total{stage="language"} >= 6', timeout=20)
            assert rows[0]["metric"]["topic"] == "uploads.transcribed"
            assert prom.targets()[0]["health"] == "up"
        assert prom.process.returncode is not None  # stopped on exit
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
