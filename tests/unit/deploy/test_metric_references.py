"""Alerts, dashboard and autoscaler query only metrics and labels that PipelineMetrics registers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support.promql import Catalog, catalog, problems, references

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"


@pytest.fixture(scope="module")
def known() -> Catalog:
    return catalog()


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    panels = json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())["panels"]
    return [(p["title"], t["expr"]) for p in panels for t in p.get("targets", [])]


def test_catalog_has_every_family_with_units_in_names(known: Catalog) -> None:
    assert "fides_events_in_total" in known.labels
    assert known.labels["fides_consumer_lag_messages"] == {"topic", "partition"}
    assert known.labels["fides_stage_duration_seconds_bucket"] == {"stage", "le"}
    assert "fides_build_info" in known.labels
    assert not known.knows("fides_events_in")  # counters are only exposed with _total


def test_problems_catches_unknown_metrics_and_labels(known: Catalog) -> None:
    assert problems("sum by (stage) (rate(fides_events_in_total[5m]))", known) == []
    assert problems("rate(fides_events_total[5m])", known) == ["unknown metric fides_events_total"]
    assert problems('fides_consumer_lag_messages{video_id="x"}', known) == [
        "fides_consumer_lag_messages has no label 'video_id'"
    ]
    assert problems("sum by (creator) (fides_boosts_emitted_total)", known) == [
        "grouping by unknown label 'creator'"
    ]
    assert problems("vector(1)", known) == ["no fides_* metric in 'vector(1)'"]


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_alert_rule_references_registered_metrics(rule: dict, known: Catalog) -> None:
    assert problems(rule["expr"], known) == []


@pytest.mark.parametrize(("title", "expr"), dashboard_exprs(), ids=lambda value: value[:40])
def test_dashboard_query_references_registered_metrics(title: str, expr: str, known: Catalog) -> None:
    assert problems(expr, known) == [], title


def test_dashboard_covers_every_registered_family(known: Catalog) -> None:
    used = {ref.metric for _, expr in dashboard_exprs() for ref in references(expr)}
    families = {name.removesuffix("_bucket") for name in used}
    for exposed in (
        "fides_events_in_total",
        "fides_dead_letters_total",
        "fides_consumer_lag_messages",
        "fides_end_to_end_latency_seconds",
        "fides_asr_audio_seconds_total",
        "fides_asr_real_time_factor",
        "fides_transcript_cache_lookups_total",
        "fides_transcripts_total",
        "fides_build_info",
    ):
        assert exposed in families, exposed


def test_autoscaler_metric_is_registered(known: Catalog) -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "k8s" / "hpa.yaml").read_text()))
    for hpa in docs:
        for metric in hpa["spec"]["metrics"]:
            selector = metric["external"]["metric"]
            assert known.knows(selector["name"])
            labels = set(selector["selector"].get("matchLabels", {}))
            labels |= {expr["key"] for expr in selector["selector"].get("matchExpressions", [])}
            assert labels <= known.labels_of(selector["name"])
    adapter = yaml.safe_load((DEPLOY / "k8s" / "prometheus-adapter-rules.yaml").read_text())
    rules = yaml.safe_load(adapter["data"]["config.yaml"])["externalRules"]
    assert all(problems(rule["seriesQuery"], known) == [] for rule in rules)
