"""The Grafana dashboard answers the SRE questions and its provisioning points at it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
GRAFANA = REPO / "deploy" / "grafana"


def dashboard() -> dict:
    return json.loads((GRAFANA / "dashboard.json").read_text())


def test_rows_answer_the_four_sre_questions() -> None:
    rows = [p["title"] for p in dashboard()["panels"] if p["type"] == "row"]
    for question in ("keeping up", "failing", "how late", "asr cost"):
        assert any(question in row.lower() for row in rows), question


def test_panels_have_unique_ids_grid_positions_and_the_provisioned_datasource() -> None:
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    panels = dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]


def test_compose_mounts_the_dashboard_where_the_provider_reads_it() -> None:
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "fides.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboard.json:{path}/fides.json:ro" in mounts
