"""Write a result as JSON and markdown under results/ (the README quotes the markdown)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.machine import describe_machine
from workers.settings import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "results"


def machine() -> dict[str, Any]:
    """Where a measurement ran (numbers only compare on the same machine): the benchmarks' description."""
    return describe_machine(("faust-streaming", "aiokafka", "kafka-python"))


def write_result(stem: str, payload: dict[str, Any], markdown: str, results_dir: Path = RESULTS_DIR) -> Path:
    """``results/<stem>.json`` and ``.md``; returns the markdown path."""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{stem}.json").write_text(json.dumps({**payload, "machine": machine()}, indent=2, default=str))
    path = results_dir / f"{stem}.md"
    path.write_text(markdown.rstrip() + "\n")
    return path


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("—" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
