"""Schema Registry mode. A real Confluent Schema Registry (a JVM service, not on PyPI) cannot run here,
so a minimal in-process fake of its two REST endpoints stands in for it."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from workers.contracts import AvroSerde, load_schema_set
from workers.contracts.registry import SchemaRegistryClient
from workers.errors import UnknownSchemaError
from workers.settings import REPO_ROOT


class FakeRegistry(BaseHTTPRequestHandler):
    schemas: dict[int, str] = {}
    subjects: dict[str, list[int]] = {}

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        subject = self.path.split("/")[2]
        known = [i for i, s in self.schemas.items() if s == body["schema"]]
        schema_id = known[0] if known else 100 + len(self.schemas)
        self.schemas[schema_id] = body["schema"]
        self.subjects.setdefault(subject, []).append(schema_id)
        self._reply(200, {"id": schema_id})

    def do_GET(self):  # noqa: N802
        schema_id = int(self.path.rsplit("/", 1)[1])
        if schema_id in self.schemas:
            self._reply(200, {"schema": self.schemas[schema_id]})
        else:
            self._reply(404, {"error_code": 40403, "message": "Schema not found"})

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry_url():
    FakeRegistry.schemas, FakeRegistry.subjects = {}, {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


UPLOAD = dict(event_id="e1", video_id="v1", creator_id="c1", uploaded_at=1, region="ID", caption="", hashtags=[])


def test_ids_come_from_the_registry_under_topic_subjects(registry_url):
    serde = AvroSerde(load_schema_set(REPO_ROOT / "schemas"), SchemaRegistryClient(registry_url))
    data = serde.encode("UploadEvent", UPLOAD, topic="uploads.new")
    assert FakeRegistry.subjects == {"uploads.new-value": [100]}
    assert int.from_bytes(data[1:5], "big") == 100
    assert serde.decode("UploadEvent", data)["video_id"] == "v1"


def test_new_records_are_readable_by_old_readers_via_the_registry(registry_url, tmp_path: Path):
    new_dir = tmp_path / "schemas"
    shutil.copytree(REPO_ROOT / "schemas", new_dir)
    raw = json.loads((new_dir / "UploadEvent.avsc").read_text())
    raw["fields"].append({"name": "sound_id", "type": ["null", "string"], "default": None, "doc": "Reused sound."})
    (new_dir / "UploadEvent.avsc").write_text(json.dumps(raw))
    new = AvroSerde(load_schema_set(new_dir), SchemaRegistryClient(registry_url))
    old = AvroSerde(load_schema_set(REPO_ROOT / "schemas"), SchemaRegistryClient(registry_url))
    decoded = old.decode("UploadEvent", new.encode("UploadEvent", {**UPLOAD, "sound_id": "s-42"}, topic="u"))
    assert decoded["video_id"] == "v1" and "sound_id" not in decoded


def test_unknown_id_in_the_registry_is_unknown_schema(registry_url):
    serde = AvroSerde(load_schema_set(REPO_ROOT / "schemas"), SchemaRegistryClient(registry_url))
    with pytest.raises(UnknownSchemaError):
        serde.decode("UploadEvent", b"\x00\x00\x00\x03\xe7" + b"\x00" * 8)
