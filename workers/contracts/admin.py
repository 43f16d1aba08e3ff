"""Create or reconcile the topics of ``topics.yaml`` idempotently with kafka-python's admin client."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from workers.contracts.topics import TopicCatalog, TopicSpec, load_topic_catalog
from workers.settings import Settings

log = logging.getLogger("workers.topics")


@dataclass
class ApplyReport:
    """What ``apply_topics`` did and what differs from the catalogue."""

    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary, one line per fact."""
        out = [f"created   {name}" for name in self.created]
        out += [f"ok        {name}" for name in self.unchanged]
        out += [f"DRIFT     {line}" for line in self.drift]
        return out


def _new_topic(physical: str, spec: TopicSpec, replication: int) -> NewTopic:
    return NewTopic(physical, spec.partitions, replication, topic_configs=dict(spec.config))


def _existing_partitions(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partition counts of ``names`` (the embedded broker may answer with more topics than asked)."""
    wanted = set(names)
    return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)
            if t["error_code"] == 0 and t["name"] in wanted}


def _config_drift(admin: KafkaAdminClient, physical: str, spec: TopicSpec) -> list[str]:
    """Configs that differ; brokers that return no configs (the embedded one) report nothing."""
    try:
        result = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, physical)])
    except Exception as exc:  # describe_configs is optional for our purpose: report, don't fail
        return [f"{physical}: could not describe configs ({type(exc).__name__})"]
    actual = _configs_from(result)
    return [
        f"{physical}: {key}={actual[key]} (topics.yaml says {want})"
        for key, want in spec.config.items()
        if key in actual and actual[key] != want
    ]


def _configs_from(result: object) -> dict[str, str]:
    """kafka-python 3 answers ``{"topic": {name: {config: value or {"value": ...}}}}``."""
    configs: dict[str, str] = {}
    if isinstance(result, dict):
        for per_topic in result.get("topic", {}).values():
            for key, value in (per_topic or {}).items():
                configs[str(key)] = str(value.get("value") if isinstance(value, dict) else value)
    return configs


def apply_topics(
    admin: KafkaAdminClient, catalog: TopicCatalog, prefix: str = "", replication_override: int = 0
) -> ApplyReport:
    """Create missing topics and report drift in partitions and configs; never deletes or shrinks."""
    report = ApplyReport()
    physical = {prefix + spec.name: spec for spec in catalog}
    existing = set(admin.list_topics())
    missing = [name for name in physical if name not in existing]
    for name in missing:
        spec = physical[name]
        try:
            admin.create_topics([_new_topic(name, spec, replication_override or spec.replication_factor)])
            report.created.append(name)
        except TopicAlreadyExistsError:  # created concurrently by another `topics apply`: fine
            existing.add(name)
    present = [name for name in physical if name in existing]
    for name, count in _existing_partitions(admin, present).items():
        spec = physical[name]
        drift = [f"{name}: {count} partitions (topics.yaml says {spec.partitions})"] if count != spec.partitions else []
        drift += _config_drift(admin, name, spec)
        report.drift.extend(drift)
        if not drift:
            report.unchanged.append(name)
    return report


def apply_topics_for(settings: Settings) -> ApplyReport:
    """``topics apply``: reconcile the cluster named by ``settings`` with the package's topics.yaml."""
    from workers.publisher import kafka_security

    catalog = load_topic_catalog(settings.kafka.contracts_dir / "topics.yaml")
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers, **kafka_security(settings))
    try:
        return apply_topics(admin, catalog, settings.kafka.topic_prefix, settings.kafka.replication_factor)
    finally:
        admin.close()
