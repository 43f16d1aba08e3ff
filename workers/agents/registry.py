"""registry: fides.creators (compacted) → the Fides creator table; changes apply without restart."""

from __future__ import annotations

from typing import Any

from workers.routing import apply_creator_change
from workers.runtime import Runtime
from workers.stage import Emit, SourceMessage, StageSpec
from workers.stages import StageTables

STAGE = "registry"


def stage_spec(runtime: Runtime, tables: StageTables) -> StageSpec:
    """Fold each registry change (join / update / leave / tombstone) into the table."""
    registry = tables.need("registry")

    async def handle(change: dict[str, Any] | None, source: SourceMessage) -> list[Emit]:
        creator_id = change["creator_id"] if change else (source.key or b"").decode("utf-8", "replace")
        updated = apply_creator_change(registry.get(creator_id), change)
        if updated is None:
            registry.pop(creator_id, None)
        else:
            registry[creator_id] = updated
        return []

    return StageSpec(STAGE, "fides.creators", handle, allow_tombstones=True)
