"""The offline commands print the same answers as the stages (they must: backfills and evaluation use them)."""

from __future__ import annotations

import asyncio
import json

import pytest

from workers.agents import language as language_agent
from workers.agents import tag as tag_agent
from workers.cores import load_cores
from workers.offline import tag_lines
from workers.publisher import new_upload
from workers.settings import Settings
from workers.stage import SourceMessage, process_message
from workers.stages import StageTables
from workers.transcribe.types import Transcript

CAPTIONS = [
    ("ID", "Lagi overthinking terus, kesehatan mental aku lagi nggak baik. Kadang kepikiran bunuh diri."),
    ("US", "I have been struggling with an eating disorder and skipping meals"),
    ("FR", "Mon combat contre l'anorexie et les troubles alimentaires"),
    ("KR", "우울증을 이겨낸 이야기를 나눠요"),
    ("MX", "Tres técnicas de respiración para manejar la ansiedad"),
]


@pytest.fixture(scope="module")
def loaded_cores():
    return load_cores(Settings.from_env({}), ["language", "tag"])


@pytest.fixture
def cores(loaded_cores):
    return loaded_cores


def stage_output(runtime, recorder, region, caption, cores):
    upload = new_upload(video_id="v", creator_id="c", region=region, caption=caption)
    transcribed = {"event_id": "t", "upload": upload, "transcript": Transcript(status="no_audio").to_record(),
                   "timings": []}
    message = SourceMessage("uploads.transcribed", 0, 0, b"v", runtime.serde.encode("TranscriptEvent", transcribed))
    runtime = runtime.with_cores(cores)
    asyncio.run(process_message(language_agent.stage_spec(runtime, StageTables()), runtime, message))
    language_event = recorder.records("uploads.language")[-1]
    message = SourceMessage("uploads.language", 0, 0, b"v", runtime.serde.encode("LanguageEvent", language_event))
    asyncio.run(process_message(tag_agent.stage_spec(runtime, StageTables()), runtime, message))
    return language_event["language"], recorder.records("uploads.tagged")[-1]


def test_offline_tag_prints_the_stage_topics(runtime, recorder, cores):
    staged = [stage_output(runtime, recorder, region, caption, cores) for region, caption in CAPTIONS]
    lines = [json.dumps({"caption": caption, "lang": language["language"]})
             for (_, caption), (language, _) in zip(CAPTIONS, staged, strict=True)]
    offline = list(tag_lines(runtime.settings, lines))
    for (_, tagged), printed in zip(staged, offline, strict=True):
        assert printed["topics"] == tagged["topics"] and tagged["topics"]
        assert printed["risk"] == tagged["risk"]


def test_offline_detect_language_is_the_stage_decision_without_region(runtime, cores):
    detector = cores.language
    for _, caption in CAPTIONS:
        assert detector.detect_text(caption).language == language_of(detector, caption)


def language_of(detector, caption):
    from workers.language.types import LanguageEvidence

    upload = new_upload(video_id="v", creator_id="c", region="US", caption=caption)
    upload["region"] = None
    evidence = LanguageEvidence.from_records(upload, Transcript(status="no_audio").to_record())
    return detector.detect(evidence).language
