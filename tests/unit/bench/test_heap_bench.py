"""The heap benchmark's measurement: a frozen start-up heap leaves the collector little to walk."""

from __future__ import annotations

import gc
from pathlib import Path

from bench.heap import measure


def test_freezing_leaves_only_the_run_s_objects_tracked(shared_dir: Path) -> None:
    unfrozen = measure(120, freeze=False, shared=shared_dir)
    try:
        frozen = measure(120, freeze=True, shared=shared_dir)
    finally:
        gc.unfreeze()
    for run in (unfrozen, frozen):
        assert run["events"] == 120 and run["cpu_ms_per_event"] > 0
        assert set(run["generations"]) == {"0", "1", "2"}
    # the light cores alone are >100k tracked objects; frozen, only what the run created remains
    assert unfrozen["tracked_objects_end"] > 100_000
    assert frozen["tracked_objects_end"] < unfrozen["tracked_objects_end"] / 5
