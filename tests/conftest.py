"""Fixtures shared by every tier: where the read-only reference data lives."""

from __future__ import annotations

import os
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
