"""Scaling of the light-stage path: 1 vs 2 worker processes of one group, 1 → 8 partitions per topic.

Each cell drains the same backlog on fresh topics with that many partitions (a scratch topics.yaml). With
one partition only one process of the group can work; with more, the group splits them. On a 2-core
machine shared with the broker and the benchmark itself, 2 processes can at best approach 2×.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import harness
from bench.light import StreamRun, light_path
from bench.stats import ratio
from workers.settings import Settings

Inputs = Callable[[Settings], list[tuple[bytes, bytes]]]


def run_scaling(scratch: Path, inputs_for: Inputs, partitions: Sequence[int], processes: Sequence[int],
                timeout_s: float) -> list[StreamRun]:
    """One drained backlog per (processes, partitions) cell, each cell on its own fresh broker (on a shared
    one, every later cell — all the 2-process ones — ran against a broker slowed by the earlier cells' records)."""
    runs = []
    for count in processes:
        for parts in partitions:
            label = f"light path, {count} process{'es' if count > 1 else ''}, {parts} partition{'s' * (parts > 1)}"
            with harness.on_fresh_broker(scratch, parts, f"s{count}x{parts}") as settings:
                runs.append(asyncio.run(light_path(settings, inputs_for(settings), count, scratch / "logs",
                                                   timeout_s, parts, label)))
    return runs


def speedups(runs: Sequence[StreamRun]) -> list[dict[str, Any]]:
    """Per partition count: 2-process rate over 1-process rate (None where either is missing)."""
    by_cell = {(r.processes, r.partitions): r.events_per_s for r in runs}
    out = []
    for parts in sorted({r.partitions for r in runs}):
        one, two = by_cell.get((1, parts)), by_cell.get((2, parts))
        out.append({"partitions": parts, "one_process": one, "two_processes": two,
                    "speedup": ratio(two or 0.0, one or 0.0) if two else None})
    return out
