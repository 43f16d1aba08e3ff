"""Structured logs: one JSON object per line (or readable text), event context, secrets redacted.

``log_context(event_id=…, stage=…, topic=…, partition=…, offset=…)`` binds fields to the current
task through a ``ContextVar``, so every line logged while an event is processed — by our code or a
library — carries them, and one upload can be followed through every stage with ``grep event_id``.
Each asyncio task gets its own copy of the context, so concurrent agents never mix their fields.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TextIO

from workers.errors import InfrastructureError

#: Setting names whose values are secrets; a field or ``extra`` key with one of these names is masked.
SECRET_NAMES = frozenset(
    {"kafka_sasl_password", "sasl_plain_password", "password", "passwd", "secret", "token", "api_key"}
)
MASK = "***"  #: what a secret is replaced with, in logs and in ``Settings.masked()``
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b((?:kafka_)?(?:sasl_)?(?:plain_)?(?:password|passwd|secret|token|api_key))(\s*[=:]\s*)"
    r"(?:\"[^\"]*\"|'[^']*'|[^\s,;&'\"]+)"
)
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message", "asctime"}
_HANDLER_MARK = "_fides_handler"

_context: ContextVar[Mapping[str, object]] = ContextVar("fides_log_context", default=MappingProxyType({}))


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Bind ``fields`` to every log line emitted inside the block (nested blocks add to the outer)."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, object]:
    """The fields bound by the enclosing ``log_context`` blocks."""
    return dict(_context.get())


class Redactor:
    """Masks ``password=…``-style assignments and the literal values of known secrets."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        # Short values would mask ordinary words; a real secret is never this short.
        self._values = sorted({v for v in secret_values if v and len(v) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """Return ``value`` with every secret masked."""
        for secret in self._values:
            value = value.replace(secret, MASK)
        return _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", value)

    def field(self, name: str, value: object) -> object:
        """Mask a structured field by its name, or its string content."""
        if name.lower() in SECRET_NAMES:
            return MASK
        return self.text(value) if isinstance(value, str) else value


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {
        key: value for key, value in vars(record).items() if key not in _RESERVED and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, context fields, extras, exception."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a single-line JSON object."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_context.get())
        payload.update(_extra_fields(record))
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        safe = {key: self._redactor.field(key, value) for key, value in payload.items()}
        return json.dumps(safe, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines with the event context appended as ``key=value`` pairs."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as text followed by its context and extras."""
        fields = {**_context.get(), **_extra_fields(record)}
        line = super().format(record)
        if fields:
            pairs = " ".join(f"{key}={self._redactor.field(key, value)}" for key, value in fields.items())
            line = f"{line} [{pairs}]"
        return self._redactor.text(line)


def configure_logging(
    fmt: str = "text",
    level: str = "INFO",
    *,
    secret_values: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install one handler on the root logger (replacing ours from an earlier call) and return it."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise InfrastructureError(f"LOG_LEVEL={level!r} is not a logging level (DEBUG, INFO, WARNING, ERROR)")
    redactor = Redactor(secret_values)
    formatters = {"json": JsonFormatter, "text": TextFormatter}
    if fmt.lower() not in formatters:
        raise InfrastructureError(f"LOG_FORMAT={fmt!r} must be one of: json, text")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatters[fmt.lower()](redactor))
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    return handler
