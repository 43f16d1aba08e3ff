"""Read a topic from the beginning and render each record as decoded JSON (``tail`` command, demo)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer

from workers.errors import PipelineError
from workers.jsonl import to_json
from workers.publisher import kafka_security
from workers.runtime import Runtime
from workers.settings import Settings


def decoded_records(settings: Settings, names: list[str], timeout_s: float | None = None,
                    runtime: Runtime | None = None) -> Iterator[tuple[str, dict[str, Any] | None, Any]]:
    """Yield ``(topic name, record or None for tombstones, message)`` from the start of ``names``."""
    runtime = runtime or Runtime.create(settings)
    physical = {settings.topic(name): name for name in names}
    consumer = KafkaConsumer(*physical, bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=int(timeout_s * 1000) if timeout_s else float("inf"),
                             **kafka_security(settings))
    try:
        for message in consumer:
            name = physical[message.topic]
            if message.value is None:
                yield name, None, message
                continue
            try:
                record = runtime.serde.decode(runtime.catalog[name].value_schema, message.value)
            except PipelineError as exc:
                record = {"undecodable": str(exc)}
            yield name, record, message
    finally:
        consumer.close()


def tail(settings: Settings, name: str, max_records: int | None = None,
         timeout_s: float | None = None) -> Iterator[str]:
    """JSON lines of a topic's records."""
    for count, (_, record, message) in enumerate(decoded_records(settings, [name], timeout_s), start=1):
        yield to_json({"partition": message.partition, "offset": message.offset,
                       "key": message.key.decode("utf-8", "replace") if message.key else None, "value": record})
        if max_records and count >= max_records:
            return
