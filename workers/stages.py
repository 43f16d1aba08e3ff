"""The stage registry: every stage of the pipeline declared once.

A worker's wiring (``workers.worker``), the metric label sets (``workers.metrics``), the fused light hop,
the ``STAGES`` setting's choices and the command line all derive from ``STAGES`` below. A stage's outputs
are not repeated here: ``topics.yaml`` names each topic's producer, and the runner reads them from there.
Pure data on purpose (it imports nothing of the package): ``workers.agents.build_stage`` builds a stage's
handler from its ``agent`` module and ``workers.cores.load_cores`` its core from its ``loader`` module.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StageDef:
    """One stage: its id, what it reads, where its code lives and what it needs from the process."""

    id: str  #: the stable id: logger name, metric label ``stage``, dead-letter ``stage``, event-id input
    source: str  #: the topics.yaml name it consumes
    agent: str  #: module with ``stage_spec(runtime, tables) -> StageSpec`` (imported only when it runs)
    loader: str | None  #: module with ``load_core(settings)``; None = no core to load (registry)
    group: str = "light"  #: the process group that runs it: ``asr`` (CPU/GPU-heavy) or ``light`` (text work)
    fused: bool = False  #: a member of the light hop, in order: one hop when one process runs all of them
    tables: tuple[str, ...] = ()  #: group-wide tables (``StageTables`` fields) it reads or writes
    inflight: bool = False  #: holds several events at once (TRANSCRIBE_INFLIGHT) instead of batching


@dataclass(frozen=True)
class StageTables:
    """Group-wide tables (Faust GlobalTables: every worker reads all of them, so lookups never miss a shard)."""

    registry: MutableMapping[str, Any] | None = None  #: Fides creators: creator_id -> FidesCreator record
    transcripts: MutableMapping[str, Any] | None = None  #: reused sounds: audio SHA-256 -> Transcript record

    def need(self, name: str) -> MutableMapping[str, Any]:
        """A table a stage cannot run without."""
        table = getattr(self, name)
        if table is None:
            raise LookupError(f"table {name!r} was not created for this worker")
        return table  # type: ignore[no-any-return]


STAGES: tuple[StageDef, ...] = (
    StageDef("transcribe", "uploads.new", "workers.agents.transcribe", "workers.transcribe.loader",
             group="asr", tables=("transcripts",), inflight=True),
    StageDef("language", "uploads.transcribed", "workers.agents.language", "workers.language.loader", fused=True),
    StageDef("tag", "uploads.language", "workers.agents.tag", "workers.tagging.loader", fused=True),
    StageDef("route", "uploads.tagged", "workers.agents.route", "workers.routing.loader", fused=True,
             tables=("registry",)),
    StageDef("registry", "fides.creators", "workers.agents.registry", None, tables=("registry",)),
)
BY_ID: Mapping[str, StageDef] = {stage.id: stage for stage in STAGES}
STAGE_IDS: tuple[str, ...] = tuple(BY_ID)
LIGHT_GROUP: tuple[str, ...] = tuple(stage.id for stage in STAGES if stage.group == "light")
LIGHT_HOP: tuple[str, ...] = tuple(stage.id for stage in STAGES if stage.fused)
FUSED_HOP_ID = "light"  #: the ``stage`` label and dead-letter stage of the fused light hop
METRIC_STAGES: tuple[str, ...] = (*STAGE_IDS, FUSED_HOP_ID)
