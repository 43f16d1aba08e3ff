"""The first stage under hostile uploads: an upload that breaks a contract rule ends as exactly one
invalid_event dead letter naming every problem; one that keeps them all ends as one transcript."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.fuzz.conftest import Recorder
from tests.unit.fuzz.fuzzing import fuzz_settings
from workers.agents.transcribe import stage_spec
from workers.contracts.rules import upload_problems
from workers.cores import Cores
from workers.publisher import new_upload
from workers.stage import SourceMessage, process_message
from workers.stages import StageTables
from workers.transcribe.loader import TranscribeCore, fetch_policy, transcribe_options

pytestmark = pytest.mark.fuzz

TEXT = st.text(max_size=12)
IDS = st.one_of(st.just(""), st.just("  "), st.uuids().map(str), TEXT, st.just("x" * 300))
REGIONS = st.one_of(st.sampled_from(["ID", "US", "BR", "zz", "ZZ", "id", "", "USA"]), TEXT)
LANGUAGES = st.one_of(st.none(), st.sampled_from(["id", "en", "xx", "ind", "", "EN"]), TEXT)
HASHTAGS = st.lists(st.one_of(st.sampled_from(["sehat", "#sehat", "", " ", "t" * 101]), TEXT), max_size=110)
DURATIONS = st.one_of(st.none(), st.integers(-10, 10), st.integers(0, 2 * 24 * 3600 * 1000))
URIS = st.one_of(st.none(), st.just(""), st.just("x" * 5000))


@st.composite
def uploads(draw: st.DrawFn) -> dict:
    upload = new_upload(video_id="v", creator_id="c", region="ID")
    upload.update(
        event_id=draw(IDS), video_id=draw(IDS), creator_id=draw(IDS), region=draw(REGIONS),
        declared_language=draw(LANGUAGES), hashtags=draw(HASHTAGS), duration_ms=draw(DURATIONS),
        audio_uri=draw(URIS), caption=draw(st.one_of(TEXT, st.just("c" * 10_001))),
        uploaded_at=draw(st.integers(-10**10, 10**13)),
    )
    return upload


class NoAsr:
    name, model, compute_type = "none", "none", "none"

    def transcribe(self, audio, options):
        raise AssertionError("no upload here has audio to transcribe")


@pytest.fixture(scope="module")
def transcribe_runtime(fuzz_runtime):
    settings = fuzz_runtime.settings
    cores = Cores(transcribe=TranscribeCore(NoAsr(), transcribe_options(settings), fetch_policy(settings)))
    yield fuzz_runtime.with_cores(cores)
    cores.close()


@fuzz_settings()
@given(upload=uploads())
def test_a_broken_upload_is_one_invalid_event_naming_every_problem(transcribe_runtime, upload):
    recorder = Recorder()
    runtime = transcribe_runtime.with_send(recorder)
    value = runtime.serde.encode("UploadEvent", upload)
    decoded = runtime.serde.decode("UploadEvent", value)  # what the stage sees
    asyncio.run(process_message(stage_spec(runtime, StageTables(transcripts={})), runtime,
                                SourceMessage(runtime.settings.topic("uploads.new"), 0, 5, b"v", value)))
    topics = [topic for topic, _, _ in recorder.sent]
    problems = upload_problems(decoded)
    if problems:
        assert topics == [runtime.settings.topic("pipeline.dlq")]
        dead = runtime.serde.decode("DeadLetter", recorder.sent[0][2])
        assert dead["reason"] == "invalid_event"
        assert all(problem in dead["error_message"] for problem in problems), (problems, dead["error_message"])
    else:
        assert topics == [runtime.settings.topic("uploads.transcribed")]
