"""A minimal Confluent Schema Registry REST client: register a schema under a subject, look one up by id."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from workers.errors import TransientError, UnknownSchemaError

_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class SchemaRegistryClient:
    """Talks to ``SCHEMA_REGISTRY_URL`` over its REST API; results are cached for the process lifetime."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self._url = url.rstrip("/")
        self._timeout_s = timeout_s
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, str] = {}

    def register(self, subject: str, schema_json: str) -> int:
        """Register (or find) ``schema_json`` under ``subject`` and return its global id."""
        key = (subject, schema_json)
        if key not in self._ids:
            path = f"/subjects/{urllib.parse.quote(subject, safe='')}/versions"
            body = self._request("POST", path, {"schema": schema_json, "schemaType": "AVRO"})
            self._ids[key] = int(body["id"])
        return self._ids[key]

    def schema_by_id(self, schema_id: int) -> str:
        """The schema JSON registered under ``schema_id``."""
        if schema_id not in self._schemas:
            try:
                body = self._request("GET", f"/schemas/ids/{schema_id}", None)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise UnknownSchemaError(f"schema id {schema_id} is not in the registry") from exc
                raise
            self._schemas[schema_id] = body["schema"]
        return self._schemas[schema_id]

    def _request(self, method: str, path: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - operator-configured registry URL
            self._url + path, data=data, method=method, headers={"Content-Type": _CONTENT_TYPE}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                raise
            raise TransientError(f"schema registry {method} {path}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientError(f"schema registry {method} {path} unreachable: {exc}") from exc
