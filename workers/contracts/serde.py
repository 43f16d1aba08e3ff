"""Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary (fastavro).

Readers resolve the writer's schema (looked up by the id in the frame) to their own reader schema, so old
records stay readable after a field is added with a default, and new records by old readers.
"""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import fastavro

from workers.contracts.registry import SchemaRegistryClient
from workers.contracts.schemas import SchemaSet
from workers.errors import BadRecordError, UnknownSchemaError

MAGIC = 0
_HEADER = struct.Struct(">bI")


class AvroSerde:
    """Encodes and decodes the project's records; ids from a registry when given, else the id map."""

    def __init__(self, schemas: SchemaSet, registry: SchemaRegistryClient | None = None) -> None:
        self._schemas = schemas
        self._registry = registry
        self._writers: dict[int, Any] = {i: schemas.schema(n) for n, i in schemas.ids.items()}
        self._writers.update(schemas.history)

    def schema_id(self, name: str, topic: str | None = None) -> int:
        """The id framed into records of ``name`` (registry subject ``<topic>-value`` when registered)."""
        if self._registry is None:
            return self._schemas.ids[name]
        subject = f"{topic}-value" if topic else f"{self._schemas.parsed[name]['name']}"
        schema_id = self._registry.register(subject, self._schemas.canonical_json(name))
        self._writers.setdefault(schema_id, self._schemas.schema(name))
        return schema_id

    def encode(self, name: str, record: dict[str, Any], topic: str | None = None) -> bytes:
        """Frame and encode ``record`` with schema ``name``; raises ValueError on a record that does not fit."""
        buf = io.BytesIO()
        buf.write(_HEADER.pack(MAGIC, self.schema_id(name, topic)))
        fastavro.schemaless_writer(buf, self._schemas.schema(name), record, strict_allow_default=True)
        return buf.getvalue()

    def decode(self, name: str, data: bytes | None) -> dict[str, Any]:
        """Decode framed bytes into a ``name`` record; raises BadRecordError / UnknownSchemaError."""
        if not data or len(data) < _HEADER.size:
            raise BadRecordError(f"{name}: {0 if not data else len(data)} bytes is too short for a framed record")
        magic, schema_id = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise BadRecordError(f"{name}: magic byte {magic}, expected {MAGIC} (not Confluent framing)")
        writer = self._writer_schema(schema_id)
        buf = io.BytesIO(data)
        buf.seek(_HEADER.size)
        try:
            record = fastavro.schemaless_reader(buf, writer, self._schemas.schema(name))
        except Exception as exc:  # fastavro raises many types (EOFError, ValueError, UnicodeDecodeError…)
            raise BadRecordError(f"{name}: undecodable Avro body ({type(exc).__name__}: {exc})") from exc
        if buf.tell() != len(data):
            raise BadRecordError(f"{name}: {len(data) - buf.tell()} trailing bytes after the record")
        if not isinstance(record, dict):
            raise BadRecordError(f"{name}: decoded a {type(record).__name__}, not a record")
        return record

    def _writer_schema(self, schema_id: int) -> Any:
        if schema_id in self._writers:
            return self._writers[schema_id]
        if self._registry is None:
            raise UnknownSchemaError(f"schema id {schema_id} is not in schemas/ids.json or schemas/history/")
        parsed = fastavro.parse_schema(json.loads(self._registry.schema_by_id(schema_id)), named_schemas={})
        self._writers[schema_id] = parsed
        return parsed
