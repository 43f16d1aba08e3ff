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
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


Handler = Callable[[dict[str, Any] | None, SourceMessage], Awaitable[list[Emit]]]


@dataclass(frozen=True)
class StageSpec:
    """A stage: id, source topic (topics.yaml name), handler; tombstones passed as ``None`` if allowed."""

    stage: str
    source: str
    handle: Handler
    allow_tombstones: bool = False


class _Unexpected(PoisonError):
    reason = "unexpected_error"


async def process_message(spec: StageSpec, runtime: Runtime, source: SourceMessage) -> None:
    """Process one input to completion: outputs written and acknowledged, or a dead letter written."""
    with log_context(stage=spec.stage, topic=source.topic, partition=source.partition, offset=source.offset):
        runtime.metrics.event_in(spec.stage, spec.source)
        started = time.perf_counter()
        with runtime.metrics.inflight(spec.stage):
            await _process_with_retries(spec, runtime, source)
        runtime.metrics.observe_stage_seconds(spec.stage, time.perf_counter() - started)


async def _process_with_retries(spec: StageSpec, runtime: Runtime, source: SourceMessage) -> None:
    record = None
    for attempt in itertools.count(1):
        try:
            record = _decode(spec, runtime, source)
            with log_context(event_id=upload_event_id(record)):
                await emit_all(runtime, spec.stage, await spec.handle(record, source))
            return
        except InfrastructureError:
            runtime.metrics.failure(spec.stage, "infrastructure")
            raise
        except TransientError as exc:
            runtime.metrics.failure(spec.stage, "transient")
            if attempt >= runtime.settings.max_attempts:
                await dead_letter(runtime, spec.stage, source, exc, attempt, record)
                return
            await _back_off(spec.stage, runtime, attempt, exc)
        except PoisonError as exc:
            runtime.metrics.failure(spec.stage, "poison")
            await dead_letter(runtime, spec.stage, source, exc, attempt, record)
            return
        except Exception as exc:  # a bug must not lose the upload: dead-letter it loudly
            logging.getLogger(f"workers.{spec.stage}").exception("unexpected error")
            runtime.metrics.failure(spec.stage, "poison")
            await dead_letter(runtime, spec.stage, source, _unexpected(exc), attempt, record)
            return


async def _back_off(stage: str, runtime: Runtime, attempt: int, exc: TransientError) -> None:
    runtime.metrics.retry(stage)
    delay = runtime.settings.retry_backoff_s * 2 ** (attempt - 1)
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
    pending = []
    for emit in emits:
        spec = runtime.catalog[emit.topic]
        physical = runtime.settings.topic(emit.topic)
        value = runtime.serde.encode(spec.value_schema, emit.record, topic=physical)
        pending.append(await runtime.send(physical, emit.key, value))
    for future in pending:
        await future
    for emit in emits:
        runtime.metrics.event_out(stage, emit.topic)


def upload_event_id(record: dict[str, Any] | None) -> str | None:
    """The upload's event id from any pipeline record (an UploadEvent or one that embeds it)."""
    if not record:
        return None
    upload = record.get("upload", record)
    return upload.get("event_id") if isinstance(upload, dict) else None


async def dead_letter(
    runtime: Runtime, stage: str, source: SourceMessage, exc: PipelineError, attempts: int,
    record: dict[str, Any] | None = None,
) -> None:
    """Write the input, untouched, with what went wrong to pipeline.dlq; failing that, crash."""
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
        await emit_all(runtime, stage, [Emit("pipeline.dlq", source.key, record)])
    except Exception as dlq_exc:
        raise InfrastructureError(f"cannot write to the dead-letter topic: {dlq_exc}") from dlq_exc
    runtime.metrics.dead_letter(stage, exc.reason)
