"""In-process stage tests: the real runner, contracts and metrics; a recorder instead of a producer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from workers.metrics import PipelineMetrics
from workers.runtime import Runtime
from workers.settings import Settings


class Recorder:
    """Captures sends as (topic, key, decoded record); acknowledges immediately like a healthy broker."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sent: list[tuple[str, bytes | None, bytes]] = []
        self.fail_with: Exception | None = None

    async def __call__(self, topic: str, key: bytes | None, value: bytes) -> Any:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((topic, key, value))
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def records(self, name: str) -> list[dict[str, Any]]:
        schema = self.runtime.catalog[name].value_schema
        return [self.runtime.serde.decode(schema, v) for t, _, v in self.sent if t == self.runtime.settings.topic(name)]


@pytest.fixture
def base_runtime() -> Runtime:
    settings = Settings.from_env({}, retry_backoff_s=0.001, max_attempts=3)
    return Runtime.create(settings, metrics=PipelineMetrics.create(CollectorRegistry()))


@pytest.fixture
def recorder(base_runtime: Runtime) -> Recorder:
    return Recorder(base_runtime)


@pytest.fixture
def runtime(base_runtime: Runtime, recorder: Recorder) -> Runtime:
    """The test's runtime: no cores loaded, every send recorded."""
    return base_runtime.with_send(recorder)
