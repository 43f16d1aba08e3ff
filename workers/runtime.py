"""Per-process runtime: settings, contracts, metrics and the stage cores, each loaded once at start.

Faust-free on purpose: the app injects ``send``; tests inject a recorder.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from workers.contracts import AvroSerde, SchemaSet, TopicCatalog, load_schema_set, load_topic_catalog
from workers.contracts.registry import SchemaRegistryClient
from workers.metrics import PipelineMetrics
from workers.settings import Settings

Send = Callable[[str, bytes | None, bytes], Awaitable[Awaitable[Any]]]


async def _unwired_send(topic: str, key: bytes | None, value: bytes) -> Awaitable[Any]:
    raise RuntimeError("Runtime.send is not wired to a producer")


@dataclass
class Runtime:
    """Everything a stage needs that is expensive or shared; built once per worker process."""

    settings: Settings
    schemas: SchemaSet
    serde: AvroSerde
    catalog: TopicCatalog
    metrics: PipelineMetrics
    send: Send = _unwired_send
    cores: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, metrics: PipelineMetrics | None = None) -> Runtime:
        """Load contracts (schemas, ids, topics) and build the serde; models load in ``load_cores``."""
        schemas = load_schema_set(settings.contracts_dir / "schemas")
        registry = SchemaRegistryClient(settings.schema_registry_url) if settings.schema_registry_url else None
        return cls(
            settings=settings,
            schemas=schemas,
            serde=AvroSerde(schemas, registry),
            catalog=load_topic_catalog(settings.contracts_dir / "topics.yaml"),
            metrics=metrics or PipelineMetrics.create(),
        )


@functools.cache
def version() -> str:
    """The package version (for build info and event ids)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("fides-enrichment-workers")
    except PackageNotFoundError:
        return "0+unknown"
