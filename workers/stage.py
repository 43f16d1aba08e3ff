"""What every agent shares: decode → core → encode → emit → count, with errors as data.

An agent is a ``StageSpec``: its stage id, its source topic and an async ``handle(record, source)`` that
returns the records to emit. ``run_stage`` owns everything around it, so agents stay a few lines:

- a poison input (undecodable, contract-breaking, refused audio, timeout) → one DeadLetter, stream goes on;
- a transient error → bounded retries with exponential backoff, then a DeadLetter;
- an unexpected exception (a bug) → a DeadLetter with reason ``unexpected_error``: never a silent drop;
- an infrastructure error (model gone, DLQ unwritable) → the worker crashes without acking the event, so
  the supervisor restarts it and the event is redelivered.

Outputs are acknowledged by the broker before the input is acked, so a committed offset never hides an
unwritten output (at-least-once; output ids are deterministic, so a replay is a duplicate, not a new answer).
A batch of inputs shares one ``Outbox``: every output is sent at once and the acks are awaited together
before any input of the batch is acked (one broker round trip per batch instead of one per event).

``fuse`` chains stages in one hop: each stage's main output is handed to the next in memory, so the light
stages cost one consume and one decode per upload instead of three.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from workers.errors import InfrastructureError, PipelineError, PoisonError, TransientError
from workers.ids import dead_letter_id
from workers.logs import log_context
from workers.runtime import Runtime


@dataclass(frozen=True)
class SourceMessage:
    """Where an input came from, with its original bytes (kept for the dead-letter record)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class Emit:
    """One output record: a topics.yaml topic name, the key bytes and the Avro record."""

    topic: str
    key: bytes | None
    record: dict[str, Any]
    stage: str | None = None  # the stage that made it, when a fused hop runs several (metrics)


Handler = Callable[[dict[str, Any] | None, SourceMessage], Awaitable[list[Emit]]]


@dataclass(frozen=True)
class StageSpec:
    """A stage: id, source topic (topics.yaml name), handler; tombstones passed as ``None`` if allowed."""

    stage: str
    source: str
    handle: Handler
    allow_tombstones: bool = False
    outputs: tuple[str, ...] | None = None  # topics.yaml names written; None = the stage's producers there


class Outbox:
    """Outputs sent but not yet acknowledged by the broker."""

    def __init__(self) -> None:
        self._pending: list[tuple[Awaitable[Any], str, str]] = []  # (ack, stage, topics.yaml name)

    async def send(self, runtime: Runtime, stage: str, emits: list[Emit]) -> None:
        """Encode every output, then send them all; their acks are awaited by ``flush``. Encoding first means
        a record that does not fit its schema sends nothing (the input is dead-lettered whole)."""
        encoded = []
        for emit in emits:
            physical = runtime.settings.topic(emit.topic)
            value = runtime.serde.encode(runtime.catalog[emit.topic].value_schema, emit.record, topic=physical)
            encoded.append((emit, physical, value))
        for emit, physical, value in encoded:
            self._pending.append((await runtime.send(physical, emit.key, value), emit.stage or stage, emit.topic))

    async def flush(self, runtime: Runtime) -> None:
        """Wait for every ack; an output the broker refused stops the worker before its input is acked."""
        pending, self._pending = self._pending, []
        for ack, stage, topic in pending:
            try:
                await ack
            except Exception as exc:
                raise InfrastructureError(f"output to {topic} was not acknowledged: {exc}") from exc
            runtime.metrics.event_out(stage, topic)


def fuse(stage: str, specs: list[StageSpec], runtime: Runtime) -> StageSpec:
    """One hop through ``specs`` in order: a stage's record for the next stage's source topic is handed
    over in memory (not written); every other output is emitted. Each stage's time is still recorded and
    each output is counted under the stage that made it."""
    handoffs = {spec.source for spec in specs[1:]}
    outputs = tuple(dict.fromkeys(
        t.name for spec in specs for t in runtime.catalog.produced_by(spec.stage) if t.name not in handoffs))

    async def handle(record: dict[str, Any] | None, source: SourceMessage) -> list[Emit]:
        emits: list[Emit] = []
        for spec, following in zip(specs, [*specs[1:], None], strict=True):
            started = time.perf_counter()
            out = await spec.handle(record, source)
            runtime.metrics.observe_stage_seconds(spec.stage, time.perf_counter() - started)
            out = [replace(emit, stage=spec.stage) for emit in out]
            if following is None:
                return emits + out
            passed = [emit for emit in out if emit.topic == following.source]
            if len(passed) != 1:
                raise RuntimeError(f"stage {spec.stage} gave {len(passed)} records for {following.source}")
            emits.extend(emit for emit in out if emit.topic != following.source)
            record = passed[0].record
        return emits

    return StageSpec(stage, specs[0].source, handle, outputs=outputs)


class _Unexpected(PoisonError):
    reason = "unexpected_error"


async def process_message(
    spec: StageSpec, runtime: Runtime, source: SourceMessage, outbox: Outbox | None = None
) -> None:
    """Process one input: its outputs (or its dead letter) sent into ``outbox``, or, without one, written
    and acknowledged before this returns."""
    own = outbox is None
    outbox = outbox or Outbox()
    with log_context(stage=spec.stage, topic=source.topic, partition=source.partition, offset=source.offset):
        runtime.metrics.event_in(spec.stage, spec.source)
        started = time.perf_counter()
        with runtime.metrics.inflight(spec.stage):
            await _process_with_retries(spec, runtime, source, outbox)
        runtime.metrics.observe_stage_seconds(spec.stage, time.perf_counter() - started)
    if own:
        await outbox.flush(runtime)


async def process_batch(spec: StageSpec, runtime: Runtime, sources: list[SourceMessage]) -> None:
    """Process inputs in order; return once the broker acknowledged every output of all of them."""
    outbox = Outbox()
    for source in sources:
        await process_message(spec, runtime, source, outbox)
    await outbox.flush(runtime)


async def _process_with_retries(spec: StageSpec, runtime: Runtime, source: SourceMessage, outbox: Outbox) -> None:
    record = None
    for attempt in itertools.count(1):
        try:
            record = _decode(spec, runtime, source)
            with log_context(event_id=upload_event_id(record)):
                await outbox.send(runtime, spec.stage, await spec.handle(record, source))
            return
        except InfrastructureError:
            runtime.metrics.failure(spec.stage, "infrastructure")
            raise
        except TransientError as exc:
            runtime.metrics.failure(spec.stage, "transient")
            if attempt >= runtime.settings.delivery.max_attempts:
                await dead_letter(runtime, spec.stage, source, exc, attempt, record, outbox)
                return
            await _back_off(spec.stage, runtime, attempt, exc)
        except PoisonError as exc:
            runtime.metrics.failure(spec.stage, "poison")
            await dead_letter(runtime, spec.stage, source, exc, attempt, record, outbox)
            return
        except Exception as exc:  # a bug must not lose the upload: dead-letter it loudly
            logging.getLogger(f"workers.{spec.stage}").exception("unexpected error")
            runtime.metrics.failure(spec.stage, "poison")
            await dead_letter(runtime, spec.stage, source, _unexpected(exc), attempt, record, outbox)
            return


async def _back_off(stage: str, runtime: Runtime, attempt: int, exc: TransientError) -> None:
    runtime.metrics.retry(stage)
    delay = runtime.settings.delivery.retry_backoff_s * 2 ** (attempt - 1)
    logging.getLogger(f"workers.{stage}").warning("transient error, retry %d in %.2fs: %s", attempt, delay, exc)
    await asyncio.sleep(delay)


def _unexpected(exc: Exception) -> PoisonError:
    wrapped = _Unexpected(f"{type(exc).__name__}: {exc}")
    wrapped.__cause__ = exc
    return wrapped


def _decode(spec: StageSpec, runtime: Runtime, source: SourceMessage) -> dict[str, Any] | None:
    if source.value is None and spec.allow_tombstones:
        return None
    return runtime.serde.decode(runtime.catalog[spec.source].value_schema, source.value)


async def emit_all(runtime: Runtime, stage: str, emits: list[Emit]) -> None:
    """Send every output, then wait until the broker acknowledged all of them."""
    outbox = Outbox()
    await outbox.send(runtime, stage, emits)
    await outbox.flush(runtime)


def upload_event_id(record: dict[str, Any] | None) -> str | None:
    """The upload's event id from any pipeline record (an UploadEvent or one that embeds it)."""
    if not record:
        return None
    upload = record.get("upload", record)
    return upload.get("event_id") if isinstance(upload, dict) else None


async def dead_letter(
    runtime: Runtime, stage: str, source: SourceMessage, exc: PipelineError, attempts: int,
    record: dict[str, Any] | None = None, outbox: Outbox | None = None,
) -> None:
    """Write the input, untouched, with what went wrong to pipeline.dlq; failing that, crash (a refused
    ack surfaces as InfrastructureError from ``Outbox.flush``)."""
    logging.getLogger(f"workers.{stage}").error("dead-lettered (%s): %s", exc.reason, exc)
    record = {
        "event_id": dead_letter_id(source.topic, source.partition, source.offset, stage),
        "stage": stage,
        "reason": exc.reason,
        "error_class": type(exc.__cause__ or exc).__name__,
        "error_message": str(exc)[:2000],
        "source_topic": source.topic,
        "source_partition": source.partition,
        "source_offset": source.offset,
        "original_key": source.key,
        "original_value": source.value,
        "upload_event_id": upload_event_id(record),
        "attempts": attempts,
        "failed_at": int(time.time() * 1000),
    }
    try:
        if outbox is None:
            await emit_all(runtime, stage, [Emit("pipeline.dlq", source.key, record)])
        else:
            await outbox.send(runtime, stage, [Emit("pipeline.dlq", source.key, record)])
    except Exception as dlq_exc:
        raise InfrastructureError(f"cannot write to the dead-letter topic: {dlq_exc}") from dlq_exc
    runtime.metrics.dead_letter(stage, exc.reason)
