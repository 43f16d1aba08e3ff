"""Decoded records as JSON lines: what every command that prints records (tail, dlq, offline) writes."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any


def to_json(record: Any) -> str:
    """A decoded Avro record as one line of JSON (timestamps ISO 8601, bytes base64)."""

    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        if hasattr(value, "to_record"):
            return value.to_record()
        raise TypeError(type(value).__name__)

    return json.dumps(record, ensure_ascii=False, default=default)
