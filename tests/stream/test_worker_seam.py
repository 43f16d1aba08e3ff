"""The Faust seam: what ``build_worker`` wires and what ``PipelineApp.add_stage`` does with events, run in
Faust's own agent test context (no broker), plus the private Faust / aiokafka members ``workers.transport``
relies on for FETCH_MAX_WAIT_MS — these tests fail loudly when an upgrade moves them."""

from __future__ import annotations

import asyncio
import inspect
from types import SimpleNamespace

import aiokafka
import faust
import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka

from workers import app as app_module
from workers.agents import build_stage
from workers.app import EXIT_INFRASTRUCTURE, PipelineApp
from workers.cores import Cores
from workers.errors import InfrastructureError
from workers.settings import Settings
from workers.stage import StageSpec
from workers.stages import BY_ID, FUSED_HOP_ID, LIGHT_GROUP, StageTables
from workers.worker import build_worker

# Cores that satisfy the wiring (handlers are built, never called here); the tag core's taxonomy version
# feeds the build-info metric.
STAND_IN_CORES = Cores(language=object(), tag=SimpleNamespace(taxonomy=SimpleNamespace(version="t1")),
                       route=object())


def settings_for(tmp_path, **overrides) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path, **overrides)


def close_thread_loops(pipeline: PipelineApp) -> None:
    """Faust's consumer owns a thread with its own event loop from construction; a worker that never
    started must close it (a started one closes it on stop)."""
    consumer = pipeline.app._consumer
    if consumer is not None:
        consumer._thread.thread_loop.close()


def test_faust_and_aiokafka_are_the_versions_the_transport_layer_was_written_against():
    assert faust.__version__.startswith("0.15.")
    assert aiokafka.__version__.startswith("0.14.")
    assert callable(getattr(faust_aiokafka.AIOKafkaConsumerThread, "_create_worker_consumer", None))
    assert callable(getattr(faust_aiokafka.Consumer, "_new_consumer_thread", None))
    # aiokafka builds its fetcher in start() from the attribute our consumer thread sets after construction
    assert "self._fetch_max_wait_ms" in inspect.getsource(aiokafka.AIOKafkaConsumer.start)


def test_fetch_max_wait_ms_reaches_the_aiokafka_consumer(tmp_path):
    async def build() -> int:
        pipeline = build_worker(settings_for(tmp_path, stages=("registry",), fetch_max_wait_ms=123),
                                cores=Cores())
        thread = pipeline.app.consumer._thread  # the aiokafka consumer lives in Faust's consumer thread
        consumer = thread._create_worker_consumer(pipeline.app.transport)
        try:
            return consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()
            close_thread_loops(pipeline)

    assert asyncio.run(build()) == 123



@pytest.mark.parametrize(("fuse", "agents"), [
    (True, {f"workers.{FUSED_HOP_ID}", "workers.tag", "workers.route", "workers.registry"}),
    (False, {"workers.language", "workers.tag", "workers.route", "workers.registry"}),
], ids=["fused", "three-hops"])
def test_build_worker_wires_one_agent_per_stage_or_the_fused_hop(tmp_path, fuse, agents):
    async def build() -> PipelineApp:
        return build_worker(settings_for(tmp_path, stages=LIGHT_GROUP, fuse_light_stages=fuse),
                            cores=STAND_IN_CORES)

    pipeline = asyncio.run(build())
    try:
        assert set(pipeline.app.agents) == agents
        assert set(pipeline.app.tables) == {"fides-creators"}
        assert not pipeline.is_ready()  # cores loaded, but the consumer has not started: no partitions yet
    finally:
        close_thread_loops(pipeline)


def test_a_stage_without_its_core_stops_the_build_with_the_stage_named(runtime):
    with pytest.raises(LookupError, match="the tag core is not loaded"):
        build_stage(BY_ID["tag"], runtime, StageTables())


class ProcessExited(Exception):
    """Stands in for ``os._exit`` ending the process."""


def _pipeline_with(tmp_path, handle, **flow) -> PipelineApp:
    pipeline = PipelineApp(settings_for(tmp_path, stages=("language",)))
    pipeline.add_stage(StageSpec("language", "uploads.transcribed", handle), **flow)
    return pipeline


def test_add_stage_hands_the_runner_batches_of_up_to_batch_size(tmp_path, monkeypatch):
    batches: list[int] = []

    async def record(spec, runtime, messages):
        batches.append(len(messages))

    async def handle(event, source):
        return []

    monkeypatch.setattr(app_module, "process_batch", record)
    pipeline = _pipeline_with(tmp_path, handle, batch_size=4, batch_wait_s=0.05)

    async def run() -> None:
        async with pipeline.app.agents["workers.language"].test_context() as agent:
            for _ in range(6):
                await agent.put(b"v", key=b"k", wait=False)
            await asyncio.sleep(0.3)

    asyncio.run(run())
    close_thread_loops(pipeline)
    assert sum(batches) == 6 and max(batches) <= 4 and len(batches) < 6


def test_an_infrastructure_error_exits_70_before_the_event_counts_as_read(tmp_path, monkeypatch):
    exits: list[int] = []

    async def fail(spec, runtime, messages):
        raise InfrastructureError("dead-letter topic unwritable")

    def fake_exit(code: int) -> None:
        exits.append(code)
        raise ProcessExited(code)  # os._exit never returns: the agent stops here as the process would

    monkeypatch.setattr(app_module, "process_batch", fail)
    monkeypatch.setattr(app_module.os, "_exit", fake_exit)
    pipeline = _pipeline_with(tmp_path, lambda event, source: [], batch_size=4, batch_wait_s=0.01)

    async def run() -> None:
        async with pipeline.app.agents["workers.language"].test_context() as agent:
            await agent.put(b"v", key=b"k", wait=False)
            await asyncio.sleep(0.2)

    try:
        asyncio.run(run())
    except ProcessExited:
        pass  # whether the crash surfaces through the test context or only in Faust's log
    finally:
        close_thread_loops(pipeline)
    assert exits == [EXIT_INFRASTRUCTURE]
    assert pipeline._read_offsets == {}  # never recorded as processed, so never reported as read
