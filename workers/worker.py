"""Build a worker process: settings → runtime → cores for the chosen stages → Faust app with agents.

Everything here derives from the stage registry (``workers.stages``): which tables exist, how each stage
is built, which stages fuse into the light hop and how many events each agent holds at once.
"""

from __future__ import annotations

import logging
from typing import Any

from workers.agents import build_stage
from workers.app import PipelineApp
from workers.cores import Cores, load_cores
from workers.runtime import Runtime, version
from workers.settings import Settings
from workers.stage import StageSpec, fuse
from workers.stages import BY_ID, FUSED_HOP_ID, LIGHT_HOP, StageDef, StageTables

log = logging.getLogger("workers.worker")

# StageTables field -> (Faust table name, topic whose partition count it takes, help)
_TABLE_HELP = {
    "registry": ("fides-creators", "fides.creators", "Fides creator registry: creator_id -> FidesCreator record."),
    "transcripts": ("transcript-cache", "uploads.new", "Reused-sound cache: audio SHA-256 -> Transcript record."),
}


def _wanted_tables(settings: Settings) -> set[str]:
    wanted = {name for stage in settings.worker.stages for name in BY_ID[stage].tables}
    if not settings.asr.transcript_cache:
        wanted.discard("transcripts")
    return wanted


def _tables(pipeline: PipelineApp) -> StageTables:
    """Group-wide tables: every worker reads all of them (GlobalTable), so lookups never miss a shard."""
    catalog, app = pipeline.runtime.catalog, pipeline.app
    tables: dict[str, Any] = {}
    for name in sorted(_wanted_tables(pipeline.settings)):
        table_name, sized_like, help_text = _TABLE_HELP[name]
        tables[name] = app.GlobalTable(table_name, default=None, partitions=catalog[sized_like].partitions,
                                       help=help_text)
    return StageTables(**tables)


def fused_light_stages(settings: Settings) -> bool:
    """Whether this process runs the light stages as one hop (FUSE_LIGHT_STAGES and all of them chosen)."""
    return settings.worker.fuse_light_stages and set(LIGHT_HOP) <= set(settings.worker.stages)


def _batching(settings: Settings) -> dict[str, Any]:
    return {"concurrency": settings.worker.stage_concurrency, "batch_size": settings.worker.stage_batch_size,
            "batch_wait_s": settings.worker.stage_batch_wait_ms / 1000}


def _flow(stage: StageDef, settings: Settings) -> dict[str, Any]:
    """How many events an agent holds at once. The transcribe hop holds several uploads (its Whisper
    calls are bounded by ASR_CONCURRENCY); table writers (registry) keep one: join/leave order matters."""
    if stage.fused:
        return _batching(settings)
    return {"concurrency": settings.asr.inflight} if stage.inflight else {}


def build_worker(settings: Settings, runtime: Runtime | None = None, cores: Cores | None = None) -> PipelineApp:
    """A ready-to-run Faust app for ``settings.worker.stages``; ``cores`` replaces the loaded ones (benchmarks)."""
    runtime = runtime or Runtime.create(settings)
    runtime = runtime.with_cores(cores or load_cores(settings, settings.worker.stages))
    pipeline = PipelineApp(settings, runtime)
    tables = _tables(pipeline)
    specs: dict[str, StageSpec] = {s: build_stage(BY_ID[s], pipeline.runtime, tables) for s in settings.worker.stages}
    if fused_light_stages(settings):
        hop = fuse(FUSED_HOP_ID, [specs[stage] for stage in LIGHT_HOP], pipeline.runtime)
        del specs[LIGHT_HOP[0]]  # its agent would read the hop's source beside the hop: the hop replaces it
        pipeline.add_stage(hop, **_batching(settings))
    for stage, spec in specs.items():
        pipeline.add_stage(spec, **_flow(BY_ID[stage], settings))
    _publish_build_info(pipeline.runtime)
    pipeline.mark_ready()
    log.info("worker built: stages=%s settings=%s", ",".join(settings.worker.stages), settings.masked())
    return pipeline


def _publish_build_info(runtime: Runtime) -> None:
    transcribe, tag = runtime.cores.transcribe, runtime.cores.tag
    runtime.metrics.set_build_info(
        version=version(), backend=transcribe.backend.name if transcribe else "",
        model=transcribe.backend.model if transcribe else "",
        taxonomy_version=tag.taxonomy.version if tag else "",
    )


def run_worker(settings: Settings, cores: Cores | None = None) -> int:
    """Build the worker and run it until it is stopped (SIGTERM / Ctrl-C); the ASR threads stop with it."""
    from faust import Worker

    from workers.heap import freeze_startup_heap, watch_pauses
    from workers.logs import configure_logging

    configure_logging(settings.worker.log_format, settings.worker.log_level,
                      secret_values=[settings.kafka.sasl_password])
    pipeline = build_worker(settings, cores=cores)
    if settings.worker.gc_freeze:
        freeze_startup_heap()
    watch_pauses(pipeline.runtime.metrics.gc_paused)
    worker = Worker(pipeline.app, loglevel=settings.worker.log_level, quiet=True, redirect_stdouts=False,
                    override_logging=False)
    try:
        worker.execute_from_commandline()
    finally:
        pipeline.runtime.cores.close()
    return 0
