"""Load ``schemas/*.avsc`` into parsed fastavro schemas, resolving named types across files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import UnknownType

NAMESPACE = "fides.enrichment"


@dataclass(frozen=True)
class SchemaSet:
    """Every schema of the project, by short name, plus the committed id map."""

    parsed: dict[str, Any]  # short name -> parsed schema (fastavro), named types expanded
    raw: dict[str, dict[str, Any]]  # short name -> the JSON as written in the .avsc file
    ids: dict[str, int]  # short name -> committed schema id (used without a registry)
    history: dict[int, Any]  # retired schema id -> parsed writer schema (old records stay readable)

    def schema(self, name: str) -> Any:
        """The parsed schema for a short name such as ``UploadEvent``."""
        try:
            return self.parsed[name]
        except KeyError:
            raise KeyError(f"no schema named {name!r}; known: {sorted(self.parsed)}") from None

    def canonical_json(self, name: str) -> str:
        """The fully expanded schema JSON (no references), as registered in a Schema Registry."""
        return json.dumps(fastavro.schema.expand_schema(self.parsed[name]), separators=(",", ":"))


def _parse_all(files: list[Path], named: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict]]:
    """Parse files in dependency order: a file whose types are not yet known is retried later."""
    pending = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in files}
    parsed: dict[str, Any] = {}
    while pending:
        progressed = False
        for name, raw in list(pending.items()):
            try:
                parsed[name] = fastavro.parse_schema(raw, named_schemas=named)
            except UnknownType:
                continue
            del pending[name]
            progressed = True
        if not progressed:
            missing = ", ".join(sorted(pending))
            raise ValueError(f"schemas with unresolved type references: {missing}")
    raws = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in files}
    return parsed, raws


def load_schema_set(schemas_dir: Path) -> SchemaSet:
    """Load every ``*.avsc`` under ``schemas_dir`` and the id map ``ids.json``.

    Retired versions live in ``schemas_dir/history/<id>.avsc``, fully expanded (self-contained, since
    they redefine current names), and are parsed as writer schemas.
    """
    named: dict[str, Any] = {}
    parsed, raws = _parse_all(sorted(schemas_dir.glob("*.avsc")), named)
    ids = {k: int(v) for k, v in json.loads((schemas_dir / "ids.json").read_text()).items() if not k.startswith("_")}
    history: dict[int, Any] = {}
    for path in sorted((schemas_dir / "history").glob("*.avsc")):
        history[int(path.stem)] = fastavro.parse_schema(
            json.loads(path.read_text(encoding="utf-8")), named_schemas={}
        )
    return SchemaSet(parsed=parsed, raw=raws, ids=ids, history=history)
