"""The first stage checks the UploadEvent contract again: an upload from a producer that skipped the
publisher (empty event id, region 'zz', '#' hashtags) is dead-lettered as invalid_event with every
problem named, before ASR and before any id is derived from it."""

from __future__ import annotations

import asyncio

import pytest

from workers.agents.transcribe import stage_spec
from workers.cores import Cores
from workers.publisher import new_upload
from workers.stage import SourceMessage, process_message
from workers.stages import StageTables
from workers.transcribe.loader import TranscribeCore, fetch_policy, transcribe_options


class MustNotRun:
    name, model, compute_type = "none", "none", "none"

    def transcribe(self, audio, options):
        raise AssertionError("ASR must not run for an invalid upload")


@pytest.fixture
def transcribe_runtime(runtime, tmp_path):
    settings = runtime.settings.with_overrides(media_root=tmp_path)
    cores = Cores(transcribe=TranscribeCore(MustNotRun(), transcribe_options(settings), fetch_policy(settings)))
    yield runtime.with_cores(cores)
    cores.close()


def run(runtime, upload):
    # Encoded straight to Avro: the schema accepts what the contract rules refuse.
    message = SourceMessage("uploads.new", 2, 11, b"v1", runtime.serde.encode("UploadEvent", upload))
    asyncio.run(process_message(stage_spec(runtime, StageTables(transcripts={})), runtime, message))


def test_an_upload_that_skipped_the_publisher_is_dead_lettered_with_every_problem(transcribe_runtime, recorder):
    upload = new_upload(video_id="v1", creator_id="c1", region="zz", hashtags=[], declared_language="xx",
                        audio_uri="file:///media/a.flac")
    upload.update(event_id="", hashtags=["#sehat"])
    run(transcribe_runtime, upload)
    assert recorder.records("uploads.transcribed") == []
    (dead,) = recorder.records("pipeline.dlq")
    assert dead["reason"] == "invalid_event" and dead["stage"] == "transcribe"
    for problem in ("event_id must be a non-empty string", "region 'zz'", "declared_language 'xx'",
                    "leading '#'"):
        assert problem in dead["error_message"], dead["error_message"]
    assert (dead["source_partition"], dead["source_offset"]) == (2, 11)


def test_a_valid_upload_still_passes(transcribe_runtime, recorder):
    run(transcribe_runtime, new_upload(video_id="v1", creator_id="c1", region="ID", caption="halo"))
    (event,) = recorder.records("uploads.transcribed")
    assert event["transcript"]["status"] == "no_audio" and recorder.records("pipeline.dlq") == []
