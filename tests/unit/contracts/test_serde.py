"""Avro + Confluent framing: round trips, schema evolution both ways, bad bytes → clear errors."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from workers.contracts import AvroSerde, load_schema_set
from workers.errors import BadRecordError, UnknownSchemaError
from workers.settings import REPO_ROOT

SCHEMAS = REPO_ROOT / "schemas"


@pytest.fixture(scope="module")
def serde() -> AvroSerde:
    return AvroSerde(load_schema_set(SCHEMAS))


def upload(**overrides):
    record = dict(event_id="e1", video_id="v1", creator_id="c1", uploaded_at=1_700_000_000_000, region="ID",
                  audio_uri=None, duration_ms=None, caption="kesehatan mental 🙏", hashtags=["curhat"],
                  declared_language="id")
    record.update(overrides)
    return record


def test_upload_round_trip_keeps_every_field(serde):
    decoded = serde.decode("UploadEvent", serde.encode("UploadEvent", upload()))
    assert decoded["caption"] == "kesehatan mental 🙏" and decoded["hashtags"] == ["curhat"]
    assert int(decoded["uploaded_at"].timestamp() * 1000) == 1_700_000_000_000


def test_frame_is_confluent_magic_byte_and_big_endian_id(serde):
    data = serde.encode("UploadEvent", upload())
    assert data[0] == 0
    assert struct.unpack(">I", data[1:5])[0] == serde.schema_id("UploadEvent")


def test_every_schema_has_docs_on_every_field():
    schemas = load_schema_set(SCHEMAS)
    for name, raw in schemas.raw.items():
        assert raw.get("doc"), name
        for field in raw["fields"]:
            assert field.get("doc"), f"{name}.{field['name']}"


@pytest.mark.parametrize("data, message", [
    (b"", "too short"),
    (b"\x00\x00\x00", "too short"),
    (b"\x01\x00\x00\x00\x01abc", "magic byte"),
    (b"\x00\x00\x00\x00\x01\xff\xff\xff\xff\x0f", "undecodable"),
])
def test_bad_bytes_raise_bad_record_with_a_clear_message(serde, data, message):
    with pytest.raises(BadRecordError, match=message):
        serde.decode("UploadEvent", data)


def test_truncated_record_is_bad_record(serde):
    data = serde.encode("UploadEvent", upload())
    with pytest.raises(BadRecordError):
        serde.decode("UploadEvent", data[:-4])


def test_trailing_bytes_are_refused(serde):
    with pytest.raises(BadRecordError, match="trailing"):
        serde.decode("UploadEvent", serde.encode("UploadEvent", upload()) + b"\x00")


def test_unknown_schema_id_is_its_own_error(serde):
    data = bytearray(serde.encode("UploadEvent", upload()))
    data[1:5] = struct.pack(">I", 9999)
    with pytest.raises(UnknownSchemaError, match="9999"):
        serde.decode("UploadEvent", bytes(data))


def test_record_that_breaks_the_schema_is_refused_on_encode(serde):
    with pytest.raises((ValueError, TypeError)):
        serde.encode("UploadEvent", upload(uploaded_at="yesterday"))


def _evolved_schemas(tmp_path: Path) -> Path:
    """A copy of schemas/ where UploadEvent gained a field with a default (new id 101)."""
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, target)
    raw = json.loads((target / "UploadEvent.avsc").read_text())
    raw["fields"].append({"name": "sound_id", "type": ["null", "string"], "default": None, "doc": "Reused sound."})
    (target / "UploadEvent.avsc").write_text(json.dumps(raw))
    ids = json.loads((target / "ids.json").read_text())
    ids["UploadEvent"] = 101
    (target / "ids.json").write_text(json.dumps(ids))
    (target / "history").mkdir(exist_ok=True)
    (target / "history" / "1.avsc").write_text((SCHEMAS / "UploadEvent.avsc").read_text())
    return target


def test_old_records_are_readable_by_new_readers(serde, tmp_path):
    new = AvroSerde(load_schema_set(_evolved_schemas(tmp_path)))
    decoded = new.decode("UploadEvent", serde.encode("UploadEvent", upload()))
    assert decoded["sound_id"] is None and decoded["video_id"] == "v1"
