"""Fixtures shared by every tier: where the read-only reference data lives, and test hygiene."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    return Path(os.environ.get("FIDES_SHARED_DIR", REPO_ROOT.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``../shared`` reference data; tests needing it skip with a reason when it is absent."""
    path = _shared_dir()
    if not (path / "README.md").exists():
        pytest.skip(f"reference data not found at {path} (set FIDES_SHARED_DIR); never copied into the repo")
    return path


@pytest.fixture(scope="session")
def speech_manifest(shared_dir: Path) -> list[dict]:
    """Rows of ``shared/speech/manifest.jsonl`` with ``abspath`` added."""
    import json

    rows = []
    for line in (shared_dir / "speech" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row["abspath"] = str(shared_dir / "speech" / row["path"])
            rows.append(row)
    return rows


# -- hygiene: a test leaves no thread and no asyncio task behind ----------------------------------------
_JOIN_GRACE_S = 3.0  # threads told to stop (executor shutdown, consumer close) get this long to finish
# Process-wide singletons a library starts on first use and keeps for the process: not a test's leak.
_LIBRARY_SINGLETONS = {"tqdm_monitor"}


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if t not in before and t.is_alive() and t.name not in _LIBRARY_SINGLETONS]


def _pending_tasks() -> list[asyncio.Task]:
    """Unfinished tasks on the thread's current event loop, if one is still open (``asyncio.run`` closes its own)."""
    # the policy's loop as set, without get_event_loop() (which would create one for the check)
    loop = getattr(getattr(asyncio.get_event_loop_policy(), "_local", None), "_loop", None)
    if loop is None or loop.is_closed():
        return []
    return [t for t in asyncio.all_tasks(loop) if not t.done()]


@pytest.fixture(autouse=True)
def no_leaked_threads_or_tasks() -> Iterator[None]:
    """Fail the test that starts a thread or leaves a task running past its end (faust's conftest does the
    same): a leaked ASR executor or consumer thread would otherwise surface tests later, or never."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + _JOIN_GRACE_S
    while _new_threads(before) and time.monotonic() < deadline:
        time.sleep(0.05)
    leaked = _new_threads(before)
    tasks = _pending_tasks()
    assert not leaked, f"test leaked threads: {[t.name for t in leaked]}"
    assert not tasks, f"test leaked asyncio tasks: {tasks}"
