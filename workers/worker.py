"""Build a worker process: settings → runtime → cores for the chosen stages → Faust app with agents."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from workers.app import PipelineApp
from workers.cores import load_cores
from workers.runtime import Runtime, version
from workers.settings import Settings
from workers.stage import StageSpec, fuse

log = logging.getLogger("workers.worker")


def _tables(pipeline: PipelineApp) -> dict[str, Any]:
    """Group-wide tables: every worker reads all of them (GlobalTable), so lookups never miss a shard."""
    settings, catalog, app = pipeline.settings, pipeline.runtime.catalog, pipeline.app
    stages = set(settings.stages)
    tables: dict[str, Any] = {}
    if stages & {"route", "registry"}:
        tables["registry"] = app.GlobalTable(
            "fides-creators", default=None, partitions=catalog["fides.creators"].partitions,
            help="Fides creator registry: creator_id -> FidesCreator record.")
    if "transcribe" in stages and settings.transcript_cache_enabled:
        tables["transcripts"] = app.GlobalTable(
            "transcript-cache", default=None, partitions=catalog["uploads.new"].partitions,
            help="Reused-sound cache: decoded-audio SHA-256 -> Transcript record.")
    return tables


def _stage_spec(stage: str, runtime: Runtime, tables: dict[str, Any]) -> StageSpec:
    """Import only the stages this worker runs (a transcriber never loads the routing data)."""
    module = importlib.import_module(f"workers.agents.{stage}")
    if stage == "transcribe":
        return module.stage_spec(runtime, tables.get("transcripts"))
    if stage in ("route", "registry"):
        return module.stage_spec(runtime, tables["registry"])
    return module.stage_spec(runtime)


LIGHT_STAGES = ("language", "tag", "route")


def fused_light_stages(settings: Settings) -> bool:
    """Whether this process runs the light stages as one hop (FUSE_LIGHT_STAGES and all three chosen)."""
    return settings.fuse_light_stages and set(LIGHT_STAGES) <= set(settings.stages)


def _light_flow(settings: Settings) -> dict[str, Any]:
    return {"concurrency": settings.stage_concurrency, "batch_size": settings.stage_batch_size,
            "batch_wait_s": settings.stage_batch_wait_ms / 1000}


def _flow(stage: str, settings: Settings) -> dict[str, Any]:
    """How many events an agent holds at once. The transcribe hop holds several uploads (its Whisper
    calls are bounded by ASR_CONCURRENCY); table writers (registry) keep one: join/leave order matters."""
    if stage in LIGHT_STAGES:
        return _light_flow(settings)
    return {"concurrency": settings.transcribe_inflight} if stage == "transcribe" else {}


def build_worker(settings: Settings, runtime: Runtime | None = None) -> PipelineApp:
    """A ready-to-run Faust app for ``settings.stages`` with its cores loaded."""
    runtime = runtime or Runtime.create(settings)
    runtime.cores.update(load_cores(settings, settings.stages))
    pipeline = PipelineApp(settings, runtime)
    tables = _tables(pipeline)
    specs = {stage: _stage_spec(stage, runtime, tables) for stage in settings.stages}
    if fused_light_stages(settings):
        hop = fuse("light", [specs[stage] for stage in LIGHT_STAGES], runtime)
        del specs["language"]  # its agent would read uploads.transcribed beside the hop: the hop replaces it
        pipeline.add_stage(hop, **_light_flow(settings))
    for stage, spec in specs.items():
        pipeline.add_stage(spec, **_flow(stage, settings))
    transcribe_core, tag_core = runtime.cores.get("transcribe"), runtime.cores.get("tag")
    runtime.metrics.set_build_info(
        version=version(), backend=transcribe_core.backend.name if transcribe_core else "",
        model=transcribe_core.backend.model if transcribe_core else "",
        taxonomy_version=tag_core.taxonomy.version if tag_core else "",
    )
    pipeline.mark_ready()
    log.info("worker built: stages=%s settings=%s", ",".join(settings.stages), settings.masked())
    return pipeline
