"""The completeness-audit alerts: promtool-valid, unit-tested with teeth, and querying only what the
auditor (workers/audit.py AuditMetrics) registers."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from prometheus_client import CollectorRegistry

from tests.support.promql import references
from tests.support.promtool import PROM, needs_promtool, promtool
from tests.support.promtool import rules as promtool_rules
from workers.audit import AuditMetrics


def rules() -> list[dict]:
    return promtool_rules("audit_alerts.yml")


def test_every_metric_an_audit_alert_queries_is_registered_by_the_auditor():
    registered = {family.name for family in AuditMetrics.create(CollectorRegistry()).registry.collect()}
    for rule in rules():
        for ref in references(rule["expr"]):
            assert ref.metric in registered, (rule["alert"], ref.metric)
        assert "docs/delivery.md#runbook-unanswered-uploads" in rule["annotations"]["runbook"]


def test_both_prometheus_configs_load_the_audit_rules():
    for config in ("prometheus.yml", "prometheus-k8s.yml"):
        assert "audit_alerts.yml" in yaml.safe_load((PROM / config).read_text())["rule_files"]


@needs_promtool
def test_promtool_checks_and_tests_the_audit_rules():
    checked = promtool("check", "rules", "audit_alerts.yml")
    assert checked.returncode == 0 and f"{len(rules())} rules found" in checked.stdout, checked.stdout
    tested = promtool("test", "rules", "audit_alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_the_audit_rule_tests_fail_when_the_alert_is_weakened(tmp_path: Path):
    for name in ("audit_alerts.yml", "audit_alerts_test.yml"):
        shutil.copy(PROM / name, tmp_path / name)
    rules_file = tmp_path / "audit_alerts.yml"
    rules_file.write_text(rules_file.read_text().replace("max(fides_audit_unanswered_uploads) > 0",
                                                         "max(fides_audit_unanswered_uploads) > 5"))
    result = promtool("test", "rules", "audit_alerts_test.yml", cwd=tmp_path)
    assert result.returncode != 0 and "FidesUploadsUnanswered" in result.stdout + result.stderr
