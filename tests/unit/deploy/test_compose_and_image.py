"""docker-compose.yml validates with docker-compose and wires the stack; the Dockerfile's contract."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
COMPOSE = shutil.which("docker-compose")


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.mark.skipif(
    COMPOSE is None, reason="docker-compose missing: install the Debian package `docker-compose`"
)
def test_docker_compose_config_validates_without_an_engine() -> None:
    assert COMPOSE is not None
    result = subprocess.run(
        [COMPOSE, "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_kafka_is_apache_kafka_in_kraft_mode() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in compose()["services"]


def test_workers_are_split_by_stage_group_after_topic_init() -> None:
    services = compose()["services"]
    assert services["topic-init"]["command"] == ["topics", "apply"]
    assert services["worker-asr"]["command"] == ["worker", "--stages", "transcribe"]
    assert services["worker-light"]["command"] == ["worker", "--stages", "language,tag,route,registry"]
    for name in ("worker-asr", "worker-light"):
        assert services[name]["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"
        assert services[name]["read_only"] is True and services[name]["user"] != "0"


def test_prometheus_scrapes_the_compose_workers_and_loads_the_rules() -> None:
    services = compose()["services"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml", "audit_alerts.yml"]
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "fides-workers"]
    targets = {t.split(":")[0] for static in job["static_configs"] for t in static["targets"]}
    assert targets == {"worker-asr", "worker-light"} <= set(services)


def test_the_compose_auditor_is_what_prometheus_scrapes_for_the_audit_alerts() -> None:
    services = compose()["services"]
    assert services["auditor"]["command"][:1] == ["audit"] and services["auditor"]["read_only"] is True
    port = services["auditor"]["command"][services["auditor"]["command"].index("--metrics-port") + 1]
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "fides-audit"]
    assert [t for static in job["static_configs"] for t in static["targets"]] == [f"auditor:{port}"]


def test_dockerfile_is_slim_non_root_cpu_torch_only_and_bakes_the_model() -> None:
    text = (REPO / "Dockerfile").read_text()
    stages = [line.split()[1] for line in text.splitlines() if line.startswith("FROM ")]
    assert stages and all(image == "python:3.11-slim" for image in stages)
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert "ensure_model_dir()" in text and "WHISPER_MODEL_DIR=" in text
    torch_installs = [line for line in text.splitlines() if "pip install" in line and "torch" in line]
    # torch only with the optional openai-whisper backend, and only as the CPU build: a plain PyPI torch
    # pulls GBs of CUDA wheels; the default image's tag encoder is pure numpy
    assert torch_installs and all("download.pytorch.org/whl/cpu" in line for line in torch_installs)
    optional_backend = text.index('if [ "$WITH_OPENAI_WHISPER" = "1" ]')
    assert all(text.index(line) > optional_backend for line in torch_installs)
    assert "minilm" not in text.lower()  # the former English encoder is bench-only
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ".venv" in ignored and ".git" in ignored
