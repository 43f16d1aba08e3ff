"""``topics.yaml`` as frozen objects, validated against the schema set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workers.contracts.schemas import SchemaSet

_CLEANUP_POLICIES = {"delete", "compact", "compact,delete"}


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its layout, its contract and who produces / consumes it."""

    name: str
    doc: str
    partitions: int
    replication_factor: int
    key: str
    value_schema: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    config: dict[str, str] = field(default_factory=dict)

    @property
    def compacted(self) -> bool:
        """True when the topic keeps the latest value per key."""
        return "compact" in self.config.get("cleanup.policy", "delete")


@dataclass(frozen=True)
class TopicCatalog:
    """All topics of ``topics.yaml`` by name."""

    topics: dict[str, TopicSpec]

    def __getitem__(self, name: str) -> TopicSpec:
        return self.topics[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.topics.values())

    def produced_by(self, stage: str) -> list[TopicSpec]:
        """Topics a stage writes to."""
        return [t for t in self.topics.values() if stage in t.producers]

    def consumed_by(self, stage: str) -> list[TopicSpec]:
        """Topics a stage reads from."""
        return [t for t in self.topics.values() if stage in t.consumers]


def _spec(name: str, raw: dict[str, Any], defaults: dict[str, Any]) -> TopicSpec:
    return TopicSpec(
        name=name,
        doc=str(raw.get("doc", "")),
        partitions=int(raw.get("partitions", defaults.get("partitions", 1))),
        replication_factor=int(raw.get("replication_factor", defaults.get("replication_factor", 1))),
        key=str(raw["key"]),
        value_schema=str(raw["value_schema"]),
        producers=tuple(raw.get("producers", ())),
        consumers=tuple(raw.get("consumers", ())),
        config={str(k): str(v) for k, v in (raw.get("config") or {}).items()},
    )


def validate_catalog(catalog: TopicCatalog, schemas: SchemaSet) -> list[str]:
    """Contract problems in the catalogue (empty list = valid)."""
    problems = []
    for spec in catalog:
        if spec.value_schema not in schemas.parsed:
            problems.append(f"{spec.name}: value_schema {spec.value_schema} has no schemas/*.avsc")
        elif spec.value_schema not in schemas.ids:
            problems.append(f"{spec.name}: value_schema {spec.value_schema} has no id in schemas/ids.json")
        if spec.partitions < 1 or spec.replication_factor < 1:
            problems.append(f"{spec.name}: partitions and replication_factor must be >= 1")
        if spec.config.get("cleanup.policy", "delete") not in _CLEANUP_POLICIES:
            problems.append(f"{spec.name}: unknown cleanup.policy {spec.config['cleanup.policy']}")
        if not spec.producers or not spec.consumers:
            problems.append(f"{spec.name}: every topic names its producers and consumers")
    return problems


def load_topic_catalog(path: Path) -> TopicCatalog:
    """Parse ``topics.yaml``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = raw.get("defaults", {})
    return TopicCatalog({name: _spec(name, spec, defaults) for name, spec in raw["topics"].items()})


def topic_table_markdown(catalog: TopicCatalog) -> str:
    """The README topic table, generated from ``topics.yaml``."""
    rows = ["| topic | partitions | key | value schema | cleanup / retention | producers → consumers | purpose |",
            "|---|---|---|---|---|---|---|"]
    for spec in catalog:
        retention = spec.config.get("retention.ms")
        policy = spec.config.get("cleanup.policy", "delete")
        kept = f"{policy}, {int(retention) // 86_400_000} d" if retention else policy
        flow = f"{', '.join(spec.producers)} → {', '.join(spec.consumers)}"
        rows.append(f"| `{spec.name}` | {spec.partitions} | {spec.key} | {spec.value_schema} | {kept} | {flow} "
                    f"| {spec.doc} |")
    return "\n".join(rows)
