"""The fused light hop (FUSE_LIGHT_STAGES) answers exactly what the three separate hops answer."""

from __future__ import annotations

import asyncio

import pytest

from workers.agents import language, route, tag
from workers.cores import load_cores
from workers.publisher import new_upload
from workers.settings import Settings
from workers.stage import SourceMessage, fuse, process_batch, process_message
from workers.stages import StageTables
from workers.transcribe.types import Transcript

UPLOADS = [
    ("ID", "fides-1", "Lagi overthinking terus, kesehatan mental aku lagi nggak baik. Kadang kepikiran bunuh diri."),
    ("US", "user-2", "I have been struggling with an eating disorder and skipping meals"),
    ("FR", "fides-1", "Mon combat contre l'anorexie et les troubles alimentaires"),
    ("KR", "user-3", "우울증을 이겨낸 이야기를 나눠요"),
    ("BR", "user-4", "Vacinas causam autismo, a verdade que escondem"),
    ("MX", "user-5", "Receta de tacos al pastor para el domingo"),
]
REGISTRY = {"fides-1": {"creator_id": "fides-1", "action": "join", "display_name": "Dr. F", "organization": "WHO Fides",
                        "specialties": [], "countries": [], "updated_at": 0}}
FINAL_TOPICS = ("content.enriched", "ranking.boost", "psa.attach", "content.review")
VOLATILE = ("timings", "enriched_at", "created_at")  # wall-clock fields


@pytest.fixture(scope="module")
def loaded_cores():
    return load_cores(Settings.from_env({}), ["language", "tag", "route"])


@pytest.fixture
def specs(runtime, loaded_cores):
    runtime, tables = runtime.with_cores(loaded_cores), StageTables(registry=REGISTRY)
    return [language.stage_spec(runtime, tables), tag.stage_spec(runtime, tables), route.stage_spec(runtime, tables)]


def transcribed(runtime, i, region, creator, caption) -> SourceMessage:
    upload = new_upload(video_id=f"v{i}", creator_id=creator, region=region, caption=caption, event_id=f"e{i}")
    event = {"event_id": f"t{i}", "upload": upload, "transcript": Transcript(status="no_audio").to_record(),
             "timings": []}
    return SourceMessage("uploads.transcribed", 0, i, b"k", runtime.serde.encode("TranscriptEvent", event))


def stable(records):
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]


def test_one_hop_emits_what_three_hops_emit(runtime, recorder, specs):
    messages = [transcribed(runtime, i, *upload) for i, upload in enumerate(UPLOADS)]
    for message in messages:  # three hops: each stage reads the bytes the previous one wrote
        value = message.value
        for spec in specs:
            asyncio.run(process_message(spec, runtime, SourceMessage(spec.source, 0, message.offset, b"k", value)))
            value = recorder.sent[-1][2]
    three = {topic: stable(recorder.records(topic)) for topic in FINAL_TOPICS}
    recorder.sent.clear()

    hop = fuse("light", specs, runtime)
    asyncio.run(process_batch(hop, runtime, messages))
    one = {topic: stable(recorder.records(topic)) for topic in FINAL_TOPICS}
    assert one == three
    assert len(one["content.enriched"]) == len(UPLOADS) and one["ranking.boost"] and one["psa.attach"]
    assert one["content.review"]
    assert not recorder.records("uploads.language") and not recorder.records("uploads.tagged")  # handed over
    enriched = runtime.metrics.registry.get_sample_value(
        "fides_events_out_total", {"stage": "route", "topic": "content.enriched"})
    assert enriched == 2 * len(UPLOADS)  # both runs count under the stage that made it: route
    assert set(FINAL_TOPICS) <= set(hop.outputs) and not {"uploads.language", "uploads.tagged"} & set(hop.outputs)


def test_one_hop_keeps_every_stage_in_the_timings(runtime, recorder, specs):
    asyncio.run(process_batch(fuse("light", specs, runtime), runtime, [transcribed(runtime, 0, *UPLOADS[0])]))
    (enriched,) = recorder.records("content.enriched")
    assert [t["stage"] for t in enriched["timings"]] == ["language", "tag", "route"]


def test_a_failure_inside_the_hop_is_dead_lettered_from_the_hops_input(runtime, recorder, specs):
    async def broken(record, source):
        raise ValueError("tagger bug")

    specs[1] = specs[1].__class__(specs[1].stage, specs[1].source, broken)
    message = transcribed(runtime, 7, *UPLOADS[1])
    asyncio.run(process_batch(fuse("light", specs, runtime), runtime, [message]))
    (dead,) = recorder.records("pipeline.dlq")
    assert (dead["stage"], dead["reason"], dead["source_topic"]) == ("light", "unexpected_error", "uploads.transcribed")
    assert dead["original_value"] == message.value and "tagger bug" in dead["error_message"]
    assert not recorder.records("content.enriched")
