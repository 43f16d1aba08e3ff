"""Every setting that compose, Kubernetes and the image pass is one the workers' Settings reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from workers.settings import Settings

REPO = Path(__file__).resolve().parents[3]
#: Variables for Python, pip and the OS rather than for the workers' settings object.
RUNTIME_ENV = {
    "PATH",
    "PYTHONPATH",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "HOME",
    "XDG_CACHE_HOME",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
}


def setting_names() -> set[str]:
    return {f.metadata["env"] for _, f, _ in Settings().items()}


def dockerfile_env() -> set[str]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line[4:] for line in text.splitlines() if line.startswith("ENV ")]
    return {m.group(1) for line in lines for m in re.finditer(r"([A-Z_][A-Z0-9_]*)=", line)}


def compose_env() -> set[str]:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    return {
        name for key in ("topic-init", "worker-asr", "worker-light") for name in services[key]["environment"]
    }


def k8s_env() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "deploy" / "k8s").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] in ("ConfigMap", "Secret") and doc["metadata"]["namespace"] == "fides":
                names |= set(doc.get("data", {})) | set(doc.get("stringData", {}))
            if doc and doc["kind"] in ("Deployment", "Job"):
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    names |= {env["name"] for env in container.get("env", [])}
    return names


def test_image_env_is_settings_or_runtime() -> None:
    assert dockerfile_env() - RUNTIME_ENV <= setting_names(), dockerfile_env() - RUNTIME_ENV - setting_names()


def test_compose_env_is_settings() -> None:
    assert compose_env() <= setting_names(), compose_env() - setting_names()


def test_kubernetes_env_is_settings() -> None:
    found = k8s_env()
    assert {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_PASSWORD", "STAGES"} <= found
    assert found <= setting_names(), found - setting_names()
