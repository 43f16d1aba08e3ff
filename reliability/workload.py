"""Text-only workloads: uploads (or no-audio transcript events) produced at a steady rate.

Text-only events skip Whisper, so the light stages and the delivery machinery are what is measured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaProducer

from workers.publisher import kafka_security, new_upload
from workers.runtime import Runtime
from workers.settings import Settings
from workers.transcribe.types import Transcript

# A few real captions in the product languages, so language and tag do real work on every event.
CAPTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("US", "How I manage my anxiety before exams", ("mentalhealth",)),
    ("ID", "Lagi overthinking terus, kesehatan mental aku lagi nggak baik", ("kesehatanmental",)),
    ("MX", "Tres técnicas para manejar la ansiedad", ("saludmental",)),
    ("BR", "A vacina da gripe é segura e protege os idosos", ("vacina",)),
    ("FR", "Mon combat contre l'anorexie et les troubles alimentaires", ("anorexie",)),
    ("JP", "最近ずっと不安で眠れない", ("メンタルヘルス",)),
    ("KR", "우울증을 이겨낸 이야기를 나눠요", ("정신건강",)),
    ("GB", "Sunday roast with the family", ("food",)),
)


def text_upload(run: str, index: int) -> dict[str, Any]:
    """The ``index``-th text-only UploadEvent of a run (audio_uri None: no Whisper)."""
    region, caption, tags = CAPTIONS[index % len(CAPTIONS)]
    return new_upload(
        video_id=f"{run}-v{index}",
        creator_id=f"{run}-c{index % 97}",
        region=region,
        caption=f"{caption} #{index}",
        hashtags=list(tags),
    )


def no_audio_transcript_event(upload: dict[str, Any]) -> dict[str, Any]:
    """A TranscriptEvent as the transcribe stage writes it for an upload without audio."""
    return {
        "event_id": f"soak-{upload['event_id']}",
        "upload": upload,
        "transcript": Transcript(status="no_audio").to_record(),
        "timings": [],
    }


@dataclass(frozen=True)
class Workload:
    """Records for one source topic (a topics.yaml name) and the upload event ids they carry."""

    topic: str
    records: tuple[dict[str, Any], ...]

    @classmethod
    def uploads(cls, run: str, count: int) -> Workload:
        """``count`` text-only uploads for uploads.new (the whole pipeline)."""
        return cls("uploads.new", tuple(text_upload(run, i) for i in range(count)))

    @classmethod
    def transcripts(cls, run: str, count: int) -> Workload:
        """``count`` no-audio TranscriptEvents for uploads.transcribed (the light stages only)."""
        return cls("uploads.transcribed", tuple(no_audio_transcript_event(text_upload(run, i)) for i in range(count)))

    def upload_ids(self) -> list[str]:
        """The upload event id of every record, in order."""
        return [r.get("upload", r)["event_id"] for r in self.records]


@dataclass
class RateProducer:
    """Sends a workload at ``rate_per_s`` (0 = as fast as possible) on a background thread."""

    settings: Settings
    workload: Workload
    rate_per_s: float = 0.0
    sent: int = 0
    error: BaseException | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> RateProducer:
        """Begin sending; returns self."""
        self._thread = threading.Thread(target=self._run, name="rate-producer", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout_s: float | None = None) -> None:
        """Wait until every record is sent and acknowledged; re-raises a send error."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self.error is not None:
            raise RuntimeError(f"producer failed after {self.sent} records") from self.error

    def _run(self) -> None:
        try:
            produce(self.settings, self.workload.topic, self.workload.records, self.rate_per_s, self)
        except Exception as exc:  # reported by join(); a thread cannot raise into its owner
            self.error = exc


def produce(
    settings: Settings,
    name: str,
    records: Iterable[dict[str, Any]],
    rate_per_s: float = 0.0,
    progress: RateProducer | None = None,
) -> int:
    """Encode and send records keyed by video_id, paced to ``rate_per_s``; waits for every ack."""
    runtime = Runtime.create(settings)
    schema, topic = runtime.catalog[name].value_schema, settings.topic(name)
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka.bootstrap_servers, acks="all", linger_ms=5, **kafka_security(settings)
    )
    started, count = time.monotonic(), 0
    futures = []
    try:
        for count, record in enumerate(records, start=1):
            video_id = record.get("upload", record)["video_id"]
            futures.append(producer.send(topic, key=video_id.encode(),
                                         value=runtime.serde.encode(schema, record, topic=topic)))
            if progress is not None:
                progress.sent = count
            if rate_per_s > 0:
                time.sleep(max(0.0, started + count / rate_per_s - time.monotonic()))
        producer.flush(timeout=60)
        # flush() does not raise for a record the broker refused: an input never written must fail the
        # run, not be counted as an input the pipeline lost.
        for future in futures:
            future.get(timeout=60)
    finally:
        producer.close(timeout=30)
    return count
