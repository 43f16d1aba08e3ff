"""The ASR benchmark harness: stream construction, summaries, the default-decoding rule, one real worker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.asr import choose_default, compare, run_worker, summarize
from bench.clips import SpeechClip, build_stream, music, pick_clips, silence, wav_bytes
from bench.worker import WorkerSpec


def _clip(cid: str, lang: str, path: Path, transcript: str = "one two three four") -> SpeechClip:
    return SpeechClip(cid, lang, path, transcript, 1.0)


def test_pick_clips_goes_round_robin_across_languages(tmp_path: Path) -> None:
    clips = [_clip(f"{lang}{i}", lang, tmp_path) for lang in ("en", "ja", "ko") for i in range(3)]
    picked = pick_clips(clips, 5)
    assert [c.id for c in picked] == ["en0", "ja0", "ko0", "en1", "ja1"]


def test_stream_mixes_kinds_and_reuses_identical_bytes_after_the_original(tmp_path: Path) -> None:
    speech = []
    for i in range(4):
        (tmp_path / f"s{i}.wav").write_bytes(wav_bytes(silence(0.5, 100 + i)))
        speech.append(_clip(f"s{i}", "en", tmp_path / f"s{i}.wav"))
    stream = build_stream(speech, n_music=2, n_silence=2, total=12)
    assert len(stream) == 12 and sum(u.reused for u in stream) == 4
    assert {u.kind for u in stream} == {"speech", "music", "silence"}
    for position, upload in enumerate(stream):
        if upload.reused:
            first = next(u for u in stream[:position] if u.name == upload.name and not u.reused)
            assert first.data == upload.data


def test_generated_sounds_decode_to_whisper_input() -> None:
    from workers.transcribe.decode import decode_audio

    tune = decode_audio(wav_bytes(music(3.0, seed=0)))
    assert tune.size == 48_000 and 0.1 < np.abs(tune).max() <= 0.26
    assert np.abs(decode_audio(wav_bytes(silence(2.0, seed=0)))).max() < 0.01
    assert np.array_equal(music(1.0, seed=3), music(1.0, seed=3))


def _raw(backend: str, compute: str, beam: int, texts: list[str], wall: float, paths: list[str]) -> dict:
    clips = [
        {"path": p, "audio_s": 10.0, "wall_s": wall, "cpu_s": 2 * wall, "text": t, "language": "en"}
        for p, t in zip(paths, texts, strict=True)
    ]
    spec = {"beam_size": beam}
    return {
        "clips": clips,
        "backend": backend,
        "compute_type": compute,
        "spec": spec,
        "ru_maxrss_kb": 2048,
        "load_s": 1,
    }


def _rows(tmp_path: Path, beam5_text: str) -> list[dict]:
    clips = {
        str(tmp_path / "a"): _clip("a", "en", tmp_path / "a"),
        str(tmp_path / "b"): _clip("b", "ja", tmp_path / "b", "日本語"),
    }
    paths = list(clips)
    return [
        summarize(
            "oa greedy",
            _raw("openai-whisper", "float32", 1, ["one two three four", "日本語"], 1.0, paths),
            clips,
        ),
        summarize(
            "int8 greedy", _raw("faster-whisper", "int8", 1, ["one two three", "日本語"], 0.5, paths), clips
        ),
        summarize(
            "oa beam5",
            _raw("openai-whisper", "float32", 5, ["one two three four", "日本語"], 4.0, paths),
            clips,
        ),
        summarize("int8 beam5", _raw("faster-whisper", "int8", 5, [beam5_text, "日本語"], 1.0, paths), clips),
    ]


def test_summary_has_rtf_rss_and_per_language_wer(tmp_path: Path) -> None:
    row = _rows(tmp_path, "one two three four")[1]
    assert row["rtf"] == pytest.approx(0.05) and row["cpu_rtf"] == pytest.approx(0.1)
    assert row["audio_s_per_wall_s"] == pytest.approx(20.0) and row["peak_rss_mb"] == 2.0
    assert row["wer_by_language"] == {"en": 0.25, "ja": 0.0} and row["wer_mean"] == pytest.approx(0.125)


def test_default_decoding_pays_for_beam_search_only_when_it_buys_more_than_a_point(tmp_path: Path) -> None:
    assert choose_default(_rows(tmp_path, "one two three four"))["beam_size"] == 5  # 12.5 points better
    assert choose_default(_rows(tmp_path, "one two three"))["beam_size"] == 1  # no better: cheaper wins
    beam5 = compare(_rows(tmp_path, "one two three four"), 5)
    assert beam5["wall_speedup"] == pytest.approx(4.0) and beam5["wer_gap_points"] == pytest.approx(0.0)


@pytest.mark.slow
def test_worker_process_measures_one_real_clip(speech_manifest: list[dict], tmp_path: Path) -> None:
    from workers.transcribe.model_store import ensure_model_dir

    row = next(r for r in speech_manifest if r["id"] == "en_fw_stereo_right")
    spec = WorkerSpec("clips", "faster-whisper", "int8", str(ensure_model_dir()), clips=[row["abspath"]])
    raw = run_worker(spec, tmp_path)
    assert raw["compute_type"] == "int8" and raw["ru_maxrss_kb"] > 100_000
    (clip,) = raw["clips"]
    assert clip["audio_s"] == pytest.approx(5.0, abs=0.1) and 0 < clip["wall_s"] < 60
    assert "horizon" in clip["text"].lower()
