"""The transcribe handler in-process: no-audio uploads skip ASR, refused URIs are dead-lettered, a reused
sound is transcribed once (real Whisper base weights on a real clip)."""

from __future__ import annotations

import asyncio
import shutil
from importlib import resources

import pytest

from workers.agents.transcribe import stage_spec
from workers.cores import Cores
from workers.publisher import new_upload
from workers.stage import SourceMessage, process_message
from workers.stages import StageTables
from workers.transcribe.loader import TranscribeCore, fetch_policy, load_asr_backend, transcribe_options


class MustNotRun:
    name, model, compute_type = "none", "none", "none"

    def transcribe(self, audio, options):
        raise AssertionError("ASR must not run for this upload")


def run_upload(runtime, cache, upload):
    message = SourceMessage("uploads.new", 0, 7, upload["video_id"].encode(),
                            runtime.serde.encode("UploadEvent", upload))
    asyncio.run(process_message(stage_spec(runtime, StageTables(transcripts=cache)), runtime, message))


@pytest.fixture
def core_with():
    """Build the runtime with a transcribe core on ``backend``; its ASR threads stop after the test."""
    built: list[Cores] = []

    def build(runtime, backend, tmp_path):
        settings = runtime.settings.with_overrides(media_root=tmp_path)
        built.append(Cores(transcribe=TranscribeCore(backend, transcribe_options(settings), fetch_policy(settings))))
        return runtime.with_cores(built[-1])

    yield build
    for cores in built:
        cores.close()


def test_upload_without_audio_skips_asr(runtime, recorder, tmp_path, core_with):
    runtime = core_with(runtime, MustNotRun(), tmp_path)
    run_upload(runtime, {}, new_upload(video_id="v1", creator_id="c", region="ID", caption="halo"))
    (event,) = recorder.records("uploads.transcribed")
    assert event["transcript"]["status"] == "no_audio" and event["upload"]["caption"] == "halo"
    assert [t["stage"] for t in event["timings"]] == ["transcribe"]


@pytest.mark.parametrize("uri, reason", [
    ("file:///etc/passwd", "fetch_refused"),
    ("http://169.254.169.254/latest/meta-data/", "fetch_refused"),
    ("gopher://example.com/x", "fetch_refused"),
])
def test_refused_audio_uris_are_dead_lettered(runtime, recorder, tmp_path, uri, reason, core_with):
    runtime = core_with(runtime, MustNotRun(), tmp_path)
    run_upload(runtime, {}, new_upload(video_id="v1", creator_id="c", region="US", audio_uri=uri))
    (dead,) = recorder.records("pipeline.dlq")
    assert dead["reason"] == reason and dead["stage"] == "transcribe" and dead["upload_event_id"]
    assert recorder.records("uploads.transcribed") == []


def test_non_audio_file_is_dead_lettered_as_not_audio(runtime, recorder, tmp_path, core_with):
    runtime = core_with(runtime, MustNotRun(), tmp_path)
    (tmp_path / "notes.mp3").write_text("this is not audio at all " * 50)
    run_upload(runtime, {}, new_upload(video_id="v1", creator_id="c", region="US",
                                       audio_uri=(tmp_path / "notes.mp3").as_uri()))
    (dead,) = recorder.records("pipeline.dlq")
    assert dead["reason"] in {"not_audio", "corrupt_audio", "decode_error"}


@pytest.mark.slow
def test_a_reused_sound_is_transcribed_once(runtime, recorder, tmp_path, core_with):
    runtime = core_with(runtime, load_asr_backend(runtime.settings), tmp_path)
    clip = resources.files("workers.samples").joinpath("audio", "en_cooking.flac")
    for name in ("a.flac", "b.flac"):
        shutil.copyfile(str(clip), tmp_path / name)
    cache: dict = {}
    for i, name in enumerate(("a.flac", "b.flac")):
        run_upload(runtime, cache, new_upload(video_id=f"v{i}", creator_id="c", region="US",
                                              audio_uri=(tmp_path / name).as_uri()))
    first, second = (e["transcript"] for e in recorder.records("uploads.transcribed"))
    assert first["status"] == "transcribed" and "cake" in first["text"].lower()
    assert not first["cache_hit"] and second["cache_hit"] and second["text"] == first["text"]
    assert len(cache) == 1 and first["audio_sha256"] in cache
    hits = runtime.metrics.registry.get_sample_value("fides_transcript_cache_lookups_total", {"result": "hit"})
    assert hits == 1


class CountingBackend:
    """The real backend, counting its Whisper runs."""

    def __init__(self, backend):
        self.backend, self.calls = backend, 0
        self.name, self.model, self.compute_type = backend.name, backend.model, backend.compute_type

    def transcribe(self, audio, options):
        self.calls += 1
        return self.backend.transcribe(audio, options)


@pytest.mark.slow
def test_uploads_of_one_sound_held_at_once_share_one_whisper_run(runtime, recorder, tmp_path, core_with):
    backend = CountingBackend(load_asr_backend(runtime.settings))
    runtime = core_with(runtime, backend, tmp_path)
    clip = resources.files("workers.samples").joinpath("audio", "en_cooking.flac")
    uploads = []
    for i in range(3):  # three uploads of one trending sound, in flight together (TRANSCRIBE_INFLIGHT)
        shutil.copyfile(str(clip), tmp_path / f"{i}.flac")
        uploads.append(new_upload(video_id=f"v{i}", creator_id="c", region="US",
                                  audio_uri=(tmp_path / f"{i}.flac").as_uri()))
    spec = stage_spec(runtime, StageTables(transcripts={}))

    async def all_at_once():
        await asyncio.gather(*(process_message(spec, runtime, SourceMessage(
            "uploads.new", 0, i, u["video_id"].encode(), runtime.serde.encode("UploadEvent", u)))
            for i, u in enumerate(uploads)))

    asyncio.run(all_at_once())
    transcripts = [e["transcript"] for e in recorder.records("uploads.transcribed")]
    assert backend.calls == 1
    assert sorted(t["cache_hit"] for t in transcripts) == [False, True, True]
    assert len({t["text"] for t in transcripts}) == 1 and "cake" in transcripts[0]["text"].lower()
