"""promtool for the deploy tests: the binary (the Debian package `prometheus`), a skip marker without it,
and the alert rules of one rules file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

PROM = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool missing: install the Debian package `prometheus` (.ci/run does)"
)


def promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    """Run promtool in ``cwd`` (the rules directory by default)."""
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def rules(filename: str) -> list[dict]:
    """Every rule of ``deploy/prometheus/<filename>``."""
    groups = yaml.safe_load((PROM / filename).read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]
