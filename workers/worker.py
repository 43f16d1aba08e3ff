"""Build a worker process: settings → runtime → cores for the chosen stages → Faust app with agents."""

from __future__ import annotations

import logging
from typing import Any

from workers.app import PipelineApp
from workers.cores import load_cores
from workers.runtime import Runtime, version
from workers.settings import Settings

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


def build_worker(settings: Settings, runtime: Runtime | None = None) -> PipelineApp:
    """A ready-to-run Faust app for ``settings.stages`` with its cores loaded."""
    from workers.agents import language, registry, route, tag, transcribe

    runtime = runtime or Runtime.create(settings)
    runtime.cores.update(load_cores(settings, settings.stages))
    pipeline = PipelineApp(settings, runtime)
    tables = _tables(pipeline)
    specs = {
        "transcribe": lambda: transcribe.stage_spec(runtime, tables.get("transcripts")),
        "language": lambda: language.stage_spec(runtime),
        "tag": lambda: tag.stage_spec(runtime),
        "route": lambda: route.stage_spec(runtime, tables["registry"]),
        "registry": lambda: registry.stage_spec(runtime, tables["registry"]),
    }
    for stage in settings.stages:
        pipeline.add_stage(specs[stage]())
    runtime.metrics.set_build_info(
        version=version(), backend=settings.asr_backend if "transcribe" in settings.stages else "",
        model="whisper-base" if "transcribe" in settings.stages else "",
        taxonomy_version=getattr(runtime.cores.get("tag"), "taxonomy", None) and runtime.cores["tag"].taxonomy.version or "",
    )
    pipeline.mark_ready()
    log.info("worker built: stages=%s settings=%s", ",".join(settings.stages), settings.masked())
    return pipeline
