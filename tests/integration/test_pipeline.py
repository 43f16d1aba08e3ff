"""The spine end to end on a real broker: N uploads in → exactly N enrichment events out."""

from __future__ import annotations

import shutil
from datetime import timedelta
from importlib import resources

from tests.integration.helpers import collect, create_topics, send_raw
from workers.contracts import load_topic_catalog
from workers.publisher import UploadPublisher, new_upload

CAPTIONS = [
    ("US", "How I manage my anxiety before exams", ["mentalhealth"]),
    ("ID", "Lagi overthinking terus, kesehatan mental aku lagi nggak baik", ["kesehatanmental"]),
    ("MX", "Tres técnicas para manejar la ansiedad", ["saludmental"]),
    ("BR", "A vacina da gripe é segura e protege os idosos", ["vacina"]),
    ("FR", "Mon combat contre l'anorexie et les troubles alimentaires", ["anorexie"]),
    ("JP", "最近ずっと不安で眠れない", ["メンタルヘルス"]),
    ("KR", "우울증을 이겨낸 이야기를 나눠요", ["정신건강"]),
    ("GB", "Sunday roast with the family", ["food"]),
]


def test_every_upload_gets_exactly_one_enrichment(settings_factory, worker_factory):
    settings = settings_factory()
    report = create_topics(settings)
    assert len(report.created) == 10 and not report.drift
    worker = worker_factory(settings)
    audio = settings.audio.media_root / "en_vaccines.flac"
    shutil.copyfile(str(resources.files("workers.samples").joinpath("audio", "en_vaccines.flac")), audio)
    uploads = [new_upload(video_id=f"v{i}", creator_id=f"c{i}", region=region, caption=caption, hashtags=tags)
               for i, (region, caption, tags) in enumerate(CAPTIONS)]
    uploads.append(new_upload(video_id="v-audio", creator_id="c-audio", region="US", audio_uri=audio.as_uri()))
    with UploadPublisher(settings) as publisher:
        for upload in uploads:
            publisher.publish(upload)
    send_raw(settings, "uploads.new", b"v-garbage", b"\x00\x00\x00\x00\x01garbage")
    worker.wait_ready()

    want = len(uploads)
    out = collect(settings, ["content.enriched", "pipeline.dlq"],
                  lambda f: len(f["content.enriched"]) >= want and f["pipeline.dlq"], timeout_s=180)

    enriched = out["content.enriched"]
    assert sorted(e["upload_event_id"] for e in enriched) == sorted(u["event_id"] for u in uploads)
    by_video = {e["video_id"]: e for e in enriched}
    assert by_video["v-audio"]["transcript_status"] == "transcribed"
    assert "vaccine" in by_video["v-audio"]["transcript_text"].lower()
    assert by_video["v-audio"]["language"]["language"] == "en"
    assert by_video["v1"]["language"]["language"] == "id"
    assert by_video["v0"]["transcript_status"] == "no_audio"
    assert {t["topic"] for t in by_video["v0"]["topics"]} & {"anxiety", "mental_health"}
    assert all(not e["is_fides_creator"] for e in enriched)
    assert [s["stage"] for s in by_video["v0"]["timings"]] == ["transcribe", "language", "tag", "route"]

    (dead,) = out["pipeline.dlq"]
    assert dead["stage"] == "transcribe" and dead["reason"] == "bad_record"
    assert dead["original_value"] == b"\x00\x00\x00\x00\x01garbage" and dead["original_key"] == b"v-garbage"

    # the downstream example reads the same answers with the published schemas, duplicates dropped
    from workers.downstream import consume, distinct

    signals = list(distinct(consume(settings, group_id=f"{settings.kafka.app_id}-ranking", idle_timeout_s=20)))
    assert sorted(s.video_id for s in signals if s.kind == "enrichment") == sorted(u["video_id"] for u in uploads)


def _same_partition_key(key: bytes, partitions: int) -> bytes:
    """Another video id the producer's murmur2 partitioner puts in the same partition as ``key``."""
    from kafka.partitioner.default import murmur2

    def partition(k: bytes) -> int:
        return (murmur2(k) & 0x7FFFFFFF) % partitions

    return next(f"v-text-{i}".encode() for i in range(1000) if partition(f"v-text-{i}".encode()) == partition(key))


def test_an_upload_without_audio_does_not_wait_behind_one_in_asr(settings_factory, worker_factory):
    settings = settings_factory()
    create_topics(settings)
    audio = settings.audio.media_root / "en_vaccines.flac"
    shutil.copyfile(str(resources.files("workers.samples").joinpath("audio", "en_vaccines.flac")), audio)
    partitions = load_topic_catalog(settings.kafka.contracts_dir / "topics.yaml")["uploads.new"].partitions
    text_key = _same_partition_key(b"v-asr", partitions)
    with UploadPublisher(settings) as publisher:  # one partition, the audio upload first
        publisher.publish(new_upload(video_id="v-asr", creator_id="c1", region="US", audio_uri=audio.as_uri()))
        publisher.publish(new_upload(video_id=text_key.decode(), creator_id="c2", region="US",
                                     caption="How I manage my anxiety before exams"))
    worker_factory(settings).wait_ready()

    out = collect(settings, ["uploads.transcribed"], lambda f: len(f["uploads.transcribed"]) >= 2, timeout_s=180)

    done = {e["upload"]["video_id"]: e["timings"][0] for e in out["uploads.transcribed"]}
    asr, text = done["v-asr"], done[text_key.decode()]
    assert asr["duration_ms"] > 500  # real Whisper ran on the clip
    # TRANSCRIBE_INFLIGHT: the caption-only upload was handled while the clip was still in ASR
    assert text["started_at"] < asr["started_at"] + timedelta(milliseconds=asr["duration_ms"])
