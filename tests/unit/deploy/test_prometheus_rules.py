"""promtool checks of the Prometheus configs, alert rules and their unit tests, and dashboard PromQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.support.promtool import PROM, needs_promtool, promtool
from tests.support.promtool import rules as promtool_rules

REPO = Path(__file__).resolve().parents[3]


def rules() -> list[dict]:
    return promtool_rules("alerts.yml")


@needs_promtool
@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-k8s.yml"])
def test_promtool_check_config(config: str) -> None:
    result = promtool("check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(rules())} rules found" in result.stdout


@needs_promtool
def test_promtool_test_rules() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_test_rules_fails_when_a_rule_is_weakened(tmp_path: Path) -> None:
    # the unit tests must have teeth: a threshold ten times higher stops FidesAsrBacklog from firing
    for name in ("alerts.yml", "alerts_test.yml"):
        shutil.copy(PROM / name, tmp_path / name)
    weakened = (tmp_path / "alerts.yml").read_text().replace("> 1800", "> 18000")
    (tmp_path / "alerts.yml").write_text(weakened)
    result = promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert result.returncode != 0 and "FidesAsrBacklog" in result.stdout + result.stderr


def test_every_rule_has_a_firing_and_a_quiet_unit_test() -> None:
    cases = yaml.safe_load((PROM / "alerts_test.yml").read_text())["tests"]
    checks = [check for case in cases for check in case["alert_rule_test"]]
    for rule in rules():
        mine = [check for check in checks if check["alertname"] == rule["alert"]]
        assert any(check["exp_alerts"] for check in mine), f"{rule['alert']} never tested firing"
        assert any(not check["exp_alerts"] for check in mine), f"{rule['alert']} never tested quiet"


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule["alert"])
def test_every_rule_has_severity_summary_and_runbook(rule: dict) -> None:
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"].strip()
    runbook = rule["annotations"]["runbook"].strip()
    assert runbook and "\n" not in runbook


@needs_promtool
def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    panels = json.loads((REPO / "deploy" / "grafana" / "dashboard.json").read_text())["panels"]
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    # Grafana's $__rate_interval is not PromQL: check each query as a recording rule with a fixed window
    records = [
        {"record": f"dashboard:q{i}", "expr": e.replace("$__rate_interval", "5m")}
        for i, e in enumerate(exprs)
    ]
    (tmp_path / "dashboard_rules.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "d", "rules": records}]})
    )
    result = promtool("check", "rules", "dashboard_rules.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
