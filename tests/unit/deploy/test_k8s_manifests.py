"""Every Kubernetes manifest validates against the Kubernetes JSON schemas (strict: unknown fields fail).

The schemas come from the PyPI package ``kubernetes-validate`` (bundled, offline).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate missing: pip install kubernetes-validate (dev extra)"
)

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
#: The oldest Kubernetes we support (autoscaling/v2 and policy/v1 are GA) and the newest schemas bundled.
VERSIONS = ("1.29", kubernetes_validate.utils.latest_version())
NOT_KUBERNETES_API = {"kustomization.yaml"}


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name not in NOT_KUBERNETES_API:
            found += [
                (f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc)
                for doc in yaml.safe_load_all(path.read_text())
                if doc
            ]
    return found


def by_kind(kind: str) -> list[dict]:
    return [doc for _, doc in manifests() if doc["kind"] == kind]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("name", "doc"), manifests(), ids=[name for name, _ in manifests()])
def test_manifest_matches_the_kubernetes_schema(name: str, doc: dict, version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


def test_strict_validation_rejects_a_misspelt_field() -> None:
    deployment = by_kind("Deployment")[0]
    container = dict(deployment["spec"]["template"]["spec"]["containers"][0])
    container["readinesProbe"] = container.pop("readinessProbe")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0] = container
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_workload_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    not_applied = {"prometheus-adapter-rules.yaml", "secret.yaml"}  # monitoring stack; template of a secret
    present = {p.name for p in K8S.glob("*.yaml")} - NOT_KUBERNETES_API - not_applied
    assert listed == present


@pytest.mark.parametrize("deployment", by_kind("Deployment"), ids=lambda d: d["metadata"]["name"])
def test_worker_deployments_are_hardened_and_probed(deployment: dict) -> None:
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]) and container["resources"]["limits"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/tmp", "/var/lib/fides"} <= mounts  # the only writable paths under a read-only root
    assert [s["configMapRef"]["name"] for s in container["envFrom"] if "configMapRef" in s] == [
        "fides-settings"
    ]
    assert [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s] == ["fides-secrets"]


def test_each_stage_group_has_a_pdb_an_hpa_and_a_metrics_service() -> None:
    groups = {d["metadata"]["name"]: d["spec"]["selector"]["matchLabels"] for d in by_kind("Deployment")
              if d["metadata"]["name"] != "auditor"}
    assert set(groups) == {"worker-asr", "worker-light"}
    pdbs = {
        d["metadata"]["name"]: d["spec"]["selector"]["matchLabels"] for d in by_kind("PodDisruptionBudget")
    }
    assert pdbs == groups
    hpas = {d["spec"]["scaleTargetRef"]["name"] for d in by_kind("HorizontalPodAutoscaler")}
    assert hpas == set(groups)
    services = {d["metadata"]["name"]: d["spec"]["selector"] for d in by_kind("Service")}
    assert services == {f"{name}-metrics": labels for name, labels in {**groups, **_auditor_labels()}.items()}


def _auditor_labels() -> dict[str, dict]:
    (auditor,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "auditor"]
    return {"auditor": auditor["spec"]["selector"]["matchLabels"]}


def test_the_auditor_runs_the_audit_on_the_port_prometheus_scrapes() -> None:
    (auditor,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "auditor"]
    (container,) = auditor["spec"]["template"]["spec"]["containers"]
    assert container["args"][:1] == ["audit"] and "--every" in container["args"]
    port = int(container["args"][container["args"].index("--metrics-port") + 1])
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus-k8s.yml").read_text())
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "fides-audit"]
    assert [sd["port"] for sd in job["dns_sd_configs"]] == [port]


def test_autoscaler_never_exceeds_the_partitions_of_its_input_topics() -> None:
    topics = yaml.safe_load((REPO / "topics.yaml").read_text())["topics"]
    for hpa in by_kind("HorizontalPodAutoscaler"):
        selector = hpa["spec"]["metrics"][0]["external"]["metric"]["selector"]
        names = list(selector.get("matchLabels", {}).values())
        names += [v for e in selector.get("matchExpressions", []) for v in e["values"]]
        assert names and all(name in topics for name in names)
        assert hpa["spec"]["maxReplicas"] <= max(topics[name]["partitions"] for name in names)


def test_secret_manifest_holds_only_a_placeholder() -> None:
    (secret,) = by_kind("Secret")
    assert set(secret["stringData"].values()) == {"REPLACE_ME"}
