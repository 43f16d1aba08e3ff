"""Per-process runtime: settings, contracts, metrics and the stage cores, each loaded once at start.

Faust-free on purpose: the app gives it its producer's ``send`` (``with_send``); tests give a recorder.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from workers.contracts import AvroSerde, SchemaSet, TopicCatalog, load_schema_set, load_topic_catalog
from workers.contracts.registry import SchemaRegistryClient
from workers.cores import Cores
from workers.metrics import PipelineMetrics
from workers.settings import Settings

Send = Callable[[str, bytes | None, bytes], Awaitable[Awaitable[Any]]]


async def _unwired_send(topic: str, key: bytes | None, value: bytes) -> Awaitable[Any]:
    raise RuntimeError("Runtime.send is not wired to a producer")


@dataclass(frozen=True)
class Runtime:
    """Everything a stage needs that is expensive or shared; built once per worker process."""

    settings: Settings
    schemas: SchemaSet
    serde: AvroSerde
    catalog: TopicCatalog
    metrics: PipelineMetrics
    send: Send = _unwired_send
    cores: Cores = field(default_factory=Cores)

    @classmethod
    def create(cls, settings: Settings, metrics: PipelineMetrics | None = None, send: Send = _unwired_send,
               cores: Cores | None = None) -> Runtime:
        """Load contracts (schemas, ids, topics) and build the serde; models load in ``load_cores``."""
        schemas = load_schema_set(settings.kafka.contracts_dir / "schemas")
        url = settings.kafka.schema_registry_url
        registry = SchemaRegistryClient(url) if url else None
        return cls(
            settings=settings,
            schemas=schemas,
            serde=AvroSerde(schemas, registry),
            catalog=load_topic_catalog(settings.kafka.contracts_dir / "topics.yaml"),
            metrics=metrics or PipelineMetrics.create(),
            send=send,
            cores=cores or Cores(),
        )

    def with_send(self, send: Send) -> Runtime:
        """The same runtime writing through ``send`` (the Faust app's producer, a test's recorder)."""
        return replace(self, send=send)

    def with_cores(self, cores: Cores) -> Runtime:
        """The same runtime with the stage cores loaded."""
        return replace(self, cores=cores)


@functools.cache
def version() -> str:
    """The package version (for build info and event ids)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("fides-enrichment-workers")
    except PackageNotFoundError:
        return "0+unknown"
