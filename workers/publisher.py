"""Publisher API for platform ingestion: validate, encode and send UploadEvents (and registry changes).

    from workers.publisher import UploadPublisher
    with UploadPublisher(settings) as publisher:
        publisher.publish(new_upload(video_id="v1", creator_id="c1", region="ID", caption="…"))
"""

from __future__ import annotations

import time
import uuid
from types import TracebackType
from typing import Any

from kafka import KafkaProducer

from workers.contracts.rules import validate_upload
from workers.runtime import Runtime
from workers.settings import Settings

__all__ = ["UploadPublisher", "kafka_security", "new_upload", "validate_upload"]


def new_upload(*, video_id: str, creator_id: str, region: str, caption: str = "", hashtags: list[str] | None = None,
               audio_uri: str | None = None, duration_ms: int | None = None, declared_language: str | None = None,
               event_id: str | None = None, uploaded_at: int | None = None) -> dict[str, Any]:
    """An UploadEvent record with a fresh event id and the current time unless given."""
    return {
        "event_id": event_id or str(uuid.uuid4()), "video_id": video_id, "creator_id": creator_id,
        "uploaded_at": uploaded_at if uploaded_at is not None else int(time.time() * 1000),
        "region": region, "audio_uri": audio_uri, "duration_ms": duration_ms, "caption": caption,
        "hashtags": [h.lstrip("#") for h in hashtags or []], "declared_language": declared_language,
    }


class UploadPublisher:
    """Sends validated, Avro-encoded UploadEvents keyed by video_id; waits for broker acks on flush."""

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        self._settings = settings
        self._runtime = runtime or Runtime.create(settings)
        self._producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all",
                                       linger_ms=5, **kafka_security(settings))

    def publish(self, upload: dict[str, Any]) -> Any:
        """Validate (``workers.contracts.rules``) and send one upload; returns kafka-python's future
        (``.get()`` waits for the ack)."""
        return self._send("uploads.new", upload["video_id"], validate_upload(upload))

    def publish_creator(self, change: dict[str, Any] | None, creator_id: str) -> Any:
        """Send a Fides registry change (``None`` = tombstone: the creator leaves)."""
        if change is None:
            return self._producer.send(self._settings.topic("fides.creators"), key=creator_id.encode(), value=None)
        return self._send("fides.creators", creator_id, change)

    def _send(self, name: str, key: str, record: dict[str, Any]) -> Any:
        topic = self._settings.topic(name)
        value = self._runtime.serde.encode(self._runtime.catalog[name].value_schema, record, topic=topic)
        return self._producer.send(topic, key=key.encode("utf-8"), value=value)

    def flush(self, timeout_s: float = 30.0) -> None:
        """Block until every send so far is acknowledged."""
        self._producer.flush(timeout=timeout_s)

    def close(self) -> None:
        """Flush and close the producer."""
        self._producer.close(timeout=30)

    def __enter__(self) -> UploadPublisher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def kafka_security(settings: Settings) -> dict[str, Any]:
    """kafka-python client security options from the settings (empty for PLAINTEXT)."""
    options: dict[str, Any] = {"security_protocol": settings.kafka.security_protocol}
    if settings.kafka.sasl_mechanism:
        options.update(sasl_mechanism=settings.kafka.sasl_mechanism, sasl_plain_username=settings.kafka.sasl_username,
                       sasl_plain_password=settings.kafka.sasl_password)
    if settings.kafka.ssl_cafile:
        options["ssl_cafile"] = settings.kafka.ssl_cafile
    return options
