"""Thin Faust-facing stage handlers: decode → core → encode → emit (the runner in workers.stage does the rest).

Each module has ``stage_spec(runtime, tables)``; ``build_stage`` finds it from the stage registry.
"""

from __future__ import annotations

from importlib import import_module

from workers.runtime import Runtime
from workers.stage import StageSpec
from workers.stages import StageDef, StageTables


def build_stage(stage: StageDef, runtime: Runtime, tables: StageTables) -> StageSpec:
    """A stage's handler for the runner, from its agent module (imported only when the stage runs)."""
    return import_module(stage.agent).stage_spec(runtime, tables)  # type: ignore[no-any-return]
