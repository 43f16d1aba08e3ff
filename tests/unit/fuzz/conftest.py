"""Fuzz fixtures: contracts, cores and an in-process stage runtime, each built once per session."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from workers.metrics import PipelineMetrics
from workers.runtime import Runtime
from workers.settings import Settings


class Recorder:
    """Captures sends as (physical topic, key, value); acknowledges immediately like a healthy broker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def __call__(self, topic: str, key: bytes | None, value: bytes) -> Any:
        self.sent.append((topic, key, value))
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@pytest.fixture(scope="session")
def fuzz_runtime() -> Runtime:
    """A runtime with the light stages' real cores loaded and no broker (send is set per example)."""
    from workers.cores import load_cores

    settings = Settings.from_env({}, retry_backoff_s=0.0, max_attempts=2)
    return Runtime.create(settings, metrics=PipelineMetrics.create(CollectorRegistry()),
                          cores=load_cores(settings, ("language", "tag", "route")))


@pytest.fixture(scope="session")
def language_detector(fuzz_runtime: Runtime) -> Any:
    """The real language core."""
    return fuzz_runtime.cores.language


@pytest.fixture(scope="session")
def tag_core(fuzz_runtime: Runtime) -> Any:
    """The real tagging core (taxonomy + options)."""
    return fuzz_runtime.cores.tag
