"""Avro decoding under garbage: only BadRecordError / UnknownSchemaError, never another error or a hang."""

from __future__ import annotations

import random
import struct

import pytest
from fastavro.utils import generate_one
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.fuzz.fuzzing import fuzz_settings
from workers.errors import BadRecordError, UnknownSchemaError
from workers.runtime import Runtime

pytestmark = pytest.mark.fuzz
CONTRACT_ERRORS = (BadRecordError, UnknownSchemaError)


def _names(runtime: Runtime) -> list[str]:
    return sorted(runtime.schemas.ids)


def _zigzag(value: int) -> bytes:
    """Avro's variable-length zig-zag long (Python ints: no 64-bit wrap needed for the cases here)."""
    encoded, out = (value << 1) ^ (value >> 63), bytearray()
    while encoded & ~0x7F:
        out.append((encoded & 0x7F) | 0x80)
        encoded >>= 7
    out.append(encoded)
    return bytes(out)


def _decode_or_contract_error(runtime: Runtime, name: str, data: bytes) -> dict | None:
    try:
        record = runtime.serde.decode(name, data)
    except CONTRACT_ERRORS:
        return None
    assert isinstance(record, dict)
    return record


@fuzz_settings()
@given(data=st.data(), body=st.binary(max_size=512))
def test_garbage_bytes_raise_only_contract_errors(fuzz_runtime, data, body):
    name = data.draw(st.sampled_from(_names(fuzz_runtime)))
    _decode_or_contract_error(fuzz_runtime, name, body)


@fuzz_settings()
@given(data=st.data(), body=st.binary(max_size=512))
def test_random_bodies_under_a_known_schema_id(fuzz_runtime, data, body):
    name = data.draw(st.sampled_from(_names(fuzz_runtime)))
    writer_id = data.draw(st.sampled_from(sorted(fuzz_runtime.schemas.ids.values())))
    _decode_or_contract_error(fuzz_runtime, name, struct.pack(">bI", 0, writer_id) + body)


@fuzz_settings()
@given(data=st.data(), schema_id=st.integers(0, 2**32 - 1), body=st.binary(max_size=64))
def test_unknown_schema_ids_are_unknown_schema_errors(fuzz_runtime, data, schema_id, body):
    known = set(fuzz_runtime.schemas.ids.values()) | set(fuzz_runtime.schemas.history)
    name = data.draw(st.sampled_from(_names(fuzz_runtime)))
    if schema_id in known:
        schema_id = max(known) + 1 + schema_id % 1000
    with pytest.raises(UnknownSchemaError):
        fuzz_runtime.serde.decode(name, struct.pack(">bI", 0, schema_id) + body)


@fuzz_settings()
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_truncated_valid_records_are_bad_records(fuzz_runtime, data, seed):
    name = data.draw(st.sampled_from(_names(fuzz_runtime)))
    random.seed(seed)  # fastavro's generator draws from the random module
    record = generate_one(fuzz_runtime.schemas.schema(name))
    encoded = fuzz_runtime.serde.encode(name, record)
    assert fuzz_runtime.serde.decode(name, encoded) is not None
    cut = data.draw(st.integers(0, len(encoded) - 1))
    decoded = _decode_or_contract_error(fuzz_runtime, name, encoded[:cut])
    assert decoded != fuzz_runtime.serde.decode(name, encoded)


@fuzz_settings()
@given(
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
    flips=st.lists(st.tuples(st.integers(0), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_bit_flipped_valid_records_raise_only_contract_errors(fuzz_runtime, data, seed, flips):
    name = data.draw(st.sampled_from(_names(fuzz_runtime)))
    random.seed(seed)
    encoded = bytearray(fuzz_runtime.serde.encode(name, generate_one(fuzz_runtime.schemas.schema(name))))
    for position, value in flips:
        encoded[5 + position % max(1, len(encoded) - 5)] = value
    _decode_or_contract_error(fuzz_runtime, name, bytes(encoded))


@fuzz_settings()
@given(data=st.data(), length=st.integers(2**20, 2**62), tail=st.binary(max_size=32))
def test_huge_length_prefixes_fail_fast(fuzz_runtime, data, length, tail):
    """A string/bytes/array length of up to 2^62 in the first field must not allocate it or loop on it."""
    name = data.draw(st.sampled_from(_names(fuzz_runtime)))
    frame = struct.pack(">bI", 0, fuzz_runtime.schemas.ids[name])
    with pytest.raises(BadRecordError):
        fuzz_runtime.serde.decode(name, frame + _zigzag(length) + tail)


@fuzz_settings()
@given(
    data=st.data(),
    junk=st.binary(min_size=1, max_size=16).filter(lambda b: _invalid_utf8(b)),
    tail=st.binary(max_size=64),
)
def test_invalid_utf8_in_strings_is_a_bad_record(fuzz_runtime, data, junk, tail):
    """Every schema starts with the string event_id (or a string key): invalid UTF-8 there is poison."""
    name = data.draw(st.sampled_from([n for n in _names(fuzz_runtime) if _first_field_is_string(fuzz_runtime, n)]))
    frame = struct.pack(">bI", 0, fuzz_runtime.schemas.ids[name])
    with pytest.raises(BadRecordError):
        fuzz_runtime.serde.decode(name, frame + _zigzag(len(junk)) + junk + tail)


def _invalid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _first_field_is_string(runtime: Runtime, name: str) -> bool:
    return runtime.schemas.raw[name]["fields"][0]["type"] == "string"
