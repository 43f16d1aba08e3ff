"""The runner's error policy: poison → one dead letter; transient → bounded retries; bug → dead letter;
infrastructure → crash without acking. Outputs are encoded with the topic's schema."""

from __future__ import annotations

import asyncio

import pytest

from workers.errors import AudioFetchFailed, InfrastructureError, ModelUnavailable
from workers.stage import Emit, SourceMessage, StageSpec, process_batch, process_message

UPLOAD = dict(event_id="e1", video_id="v1", creator_id="c1", uploaded_at=1_700_000_000_000, region="ID",
              caption="", hashtags=[])


def source(runtime, value: bytes | None, key: bytes = b"v1") -> SourceMessage:
    return SourceMessage("uploads.new", 3, 42, key, value)


def upload_message(runtime) -> SourceMessage:
    return source(runtime, runtime.serde.encode("UploadEvent", UPLOAD))


def metric(runtime, name: str, **labels) -> float:
    return runtime.metrics.registry.get_sample_value(name, labels) or 0.0


def run(spec, runtime, message):
    asyncio.run(process_message(spec, runtime, message))


def test_outputs_are_encoded_and_sent(runtime, recorder):
    async def handle(record, src):
        return [Emit("pipeline.dlq", b"k", {**_dead(), "stage": "test"})]

    run(StageSpec("transcribe", "uploads.new", handle), runtime, upload_message(runtime))
    (out,) = recorder.records("pipeline.dlq")
    assert out["stage"] == "test"


def test_undecodable_input_is_dead_lettered_with_its_original_bytes(runtime, recorder):
    calls = []

    async def handle(record, src):
        calls.append(record)
        return []

    run(StageSpec("transcribe", "uploads.new", handle), runtime, source(runtime, b"\x00\x00\x00\x00\x01junk"))
    assert calls == []
    (dead,) = recorder.records("pipeline.dlq")
    assert dead["reason"] == "bad_record" and dead["original_value"] == b"\x00\x00\x00\x00\x01junk"
    assert (dead["source_topic"], dead["source_partition"], dead["source_offset"]) == ("uploads.new", 3, 42)
    assert dead["attempts"] == 1


def test_transient_errors_are_retried_then_dead_lettered(runtime, recorder):
    attempts = []

    async def handle(record, src):
        attempts.append(1)
        raise AudioFetchFailed("connection reset")

    run(StageSpec("transcribe", "uploads.new", handle), runtime, upload_message(runtime))
    assert len(attempts) == 3
    (dead,) = recorder.records("pipeline.dlq")
    assert dead["reason"] == "fetch_failed" and dead["attempts"] == 3 and dead["upload_event_id"] == "e1"
    assert metric(runtime, "fides_retries_total", stage="transcribe") == 2


def test_a_transient_error_that_clears_produces_the_output_once(runtime, recorder):
    attempts = []

    async def handle(record, src):
        attempts.append(1)
        if len(attempts) == 1:
            raise AudioFetchFailed("blip")
        return [Emit("pipeline.dlq", b"k", {**_dead(), "stage": "ok"})]

    run(StageSpec("transcribe", "uploads.new", handle), runtime, upload_message(runtime))
    assert [r["stage"] for r in recorder.records("pipeline.dlq")] == ["ok"]


def test_a_bug_is_dead_lettered_not_dropped(runtime, recorder):
    async def handle(record, src):
        return {}["missing"]

    run(StageSpec("transcribe", "uploads.new", handle), runtime, upload_message(runtime))
    (dead,) = recorder.records("pipeline.dlq")
    assert dead["reason"] == "unexpected_error" and dead["error_class"] == "KeyError"


def test_infrastructure_errors_crash_without_a_dead_letter(runtime, recorder):
    async def handle(record, src):
        raise ModelUnavailable("weights gone")

    with pytest.raises(InfrastructureError):
        run(StageSpec("transcribe", "uploads.new", handle), runtime, upload_message(runtime))
    assert recorder.sent == []


def test_an_unwritable_dead_letter_topic_is_an_infrastructure_error(runtime, recorder):
    recorder.fail_with = ConnectionError("broker gone")

    async def handle(record, src):
        return []

    with pytest.raises(InfrastructureError, match="dead-letter"):
        run(StageSpec("transcribe", "uploads.new", handle), runtime, source(runtime, b"junk"))


def test_tombstones_reach_handlers_that_accept_them(runtime, recorder):
    seen = []

    async def handle(record, src):
        seen.append(record)
        return []

    message = SourceMessage("fides.creators", 0, 1, b"creator-1", None)
    run(StageSpec("registry", "fides.creators", handle, allow_tombstones=True), runtime, message)
    assert seen == [None] and recorder.sent == []


def _dead():
    return dict(event_id="d", stage="s", reason="r", error_class="E", error_message="m", source_topic="t",
                source_partition=0, source_offset=0, original_key=None, original_value=None,
                upload_event_id=None, attempts=1, failed_at=0)


def test_a_batch_sends_every_output_before_awaiting_any_ack(runtime):
    acks: list[asyncio.Future] = []

    async def send(topic, key, value):
        ack = asyncio.get_running_loop().create_future()
        acks.append(ack)
        asyncio.get_running_loop().call_soon(ack.set_result, None)  # the broker answers later
        return ack

    async def handle(record, src):
        assert all(not ack.done() for ack in acks)  # nothing was awaited between the batch's events
        return [Emit("pipeline.dlq", b"k", {**_dead(), "stage": "test"})]

    runtime = runtime.with_send(send)
    messages = [upload_message(runtime) for _ in range(3)]
    asyncio.run(process_batch(StageSpec("language", "uploads.new", handle), runtime, messages))
    assert len(acks) == 3 and all(ack.done() for ack in acks)
    assert metric(runtime, "fides_events_out_total", stage="language", topic="pipeline.dlq") == 3


def test_a_refused_ack_stops_the_batch_as_an_infrastructure_error(runtime):
    async def send(topic, key, value):
        ack = asyncio.get_running_loop().create_future()
        ack.set_exception(OSError("broker refused the write"))
        return ack

    async def handle(record, src):
        return [Emit("pipeline.dlq", b"k", {**_dead(), "stage": "test"})]

    runtime = runtime.with_send(send)
    with pytest.raises(InfrastructureError, match="not acknowledged"):
        asyncio.run(process_batch(StageSpec("language", "uploads.new", handle), runtime, [upload_message(runtime)]))


def test_an_output_that_breaks_its_schema_sends_nothing_else(runtime, recorder):
    async def handle(record, src):
        good = Emit("pipeline.dlq", b"k", {**_dead(), "stage": "test"})
        return [good, Emit("pipeline.dlq", b"k", {"stage": "no other field"})]

    run(StageSpec("transcribe", "uploads.new", handle), runtime, upload_message(runtime))
    (dead,) = recorder.records("pipeline.dlq")  # only the dead letter of the input, not the good output
    assert dead["reason"] == "unexpected_error" and dead["stage"] == "transcribe"
