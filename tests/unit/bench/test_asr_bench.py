"""The ASR benchmark harness: stream construction, summaries, the default-decoding rule, one real worker."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
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


# -- encoder window sized to the speech: the side-by-side benchmark and the capacity model -----------------


def _summary(label: str, sized: bool, rows: list[tuple[str, str, float, float]], accuracy: float = 1.0) -> dict:
    """A bench.asr_context summary from (clip, lang, cpu_s, error) rows."""
    from bench.asr_context import _sized

    context = asdict(_sized(3.0)) if sized else {"sized": False, "buckets_s": [30.0], "full_window_languages": []}
    errors: dict[str, list[float]] = {}
    for _, lang, _, error in rows:
        errors.setdefault(lang, []).append(error)
    return {"label": label, "context": context, "language_accuracy": accuracy,
            "error_by_language": {lang: sum(v) / len(v) for lang, v in errors.items()},
            "rows": [{"clip": c, "lang": lang, "cpu_s": cpu, "error": error} for c, lang, cpu, error in rows]}


def test_choice_keeps_a_language_on_full_windows_when_sizing_costs_it_more_than_a_point() -> None:
    from bench.asr_context import BASELINE, ONE_ENCODE, choose, policy_config

    clips = [("a", "en"), ("b", "fr")]
    base = _summary(BASELINE, False, [(c, lang, 2.0, 0.10) for c, lang in clips])
    once = _summary(ONE_ENCODE, False, [(c, lang, 1.2, 0.10) for c, lang in clips])
    cheap = _summary("cheap", True, [("a", "en", 0.4, 0.10), ("b", "fr", 0.4, 0.15)])  # fr 5 points worse
    even = _summary("even", True, [("a", "en", 0.9, 0.10), ("b", "fr", 0.9, 0.105)])
    wrong_language = _summary("lid", True, [("a", "en", 0.1, 0.10), ("b", "fr", 0.1, 0.10)], accuracy=0.5)
    choice = choose([base, once, cheap, even, wrong_language])
    # cheap with fr on full windows: 0.4 + 1.2 = 1.6 projected, below even's 1.8; lower LID never qualifies
    assert choice["label"] == "cheap" and choice["full_window_languages"] == ["fr"]
    assert choice["projected_cpu_s"] == pytest.approx(1.6)
    policy = policy_config(choice)
    assert policy is not None and policy.context.full_window_languages == ("fr",) and policy.context.sized


def test_length_buckets_and_cache_keys() -> None:
    from bench.asr_context import CONFIGS, _order, context_key, length_bucket
    from workers.transcribe.context import ContextOptions

    assert [length_bucket(s) for s in (3.9, 5.0, 13.0, 45.0, 75.0)] == ["0-5 s", "5-10 s", "10-15 s", "30-60 s",
                                                                        ">= 60 s"]
    assert sorted([("10-15 s", 0), ("5-10 s", 0)], key=_order)[0][0] == "5-10 s"
    # sizing off: margin and buckets do not change the decode, so they do not change the cached row
    assert context_key(ContextOptions(sized=False, margin_s=9.0)) == context_key(ContextOptions(sized=False))
    assert len({json.dumps(context_key(c.context), sort_keys=True) for c in CONFIGS}) == len(CONFIGS)


def test_capacity_sized_windows_and_per_upload_cost() -> None:
    from bench.capacity import (
        Costs,
        Deployment,
        Workload,
        asr_cpu_s_per_speech_upload,
        full_window_asr_cpu_s,
        plan,
        sized_windows,
    )
    from workers.transcribe.context import ContextOptions

    context = ContextOptions(sized=True, margin_s=3.0)
    assert sized_windows(8.0, context) == [15.0] and sized_windows(45.0, context) == [30.0, 20.0]
    assert sized_windows(60.0, context) == [30.0, 30.0]
    costs = Costs(asr_cpu_s_per_window=2.0, asr_lid_encode_cpu_s=0.5,
                  asr_sized_cpu_s_by_window=((10.0, 0.5), (20.0, 1.0), (30.0, 1.5)))
    assert full_window_asr_cpu_s(60.0, costs) == pytest.approx(3.5)  # 2 x 1.5 + one extra LID encode
    workload = Workload(audio_s_buckets=((8.0, 0.5), (60.0, 0.5)))
    sized, full = Deployment(context=context), Deployment(context=ContextOptions())
    # 8 s -> a 15 s window, 0.75 CPU s; 60 s -> two full windows encoded once, 3.0
    assert asr_cpu_s_per_speech_upload(workload, costs, sized) == pytest.approx((0.75 + 3.0) / 2)
    assert asr_cpu_s_per_speech_upload(workload, costs, full) == pytest.approx((2.0 + 3.5) / 2)
    by_length = replace(costs, asr_full_cpu_s_by_length=((5.0, 2.0), (60.0, 4.0)),
                        asr_sized_cpu_s_by_length=((5.0, 0.5), (60.0, 3.0)))
    assert asr_cpu_s_per_speech_upload(workload, by_length, sized) == pytest.approx((0.5 + 3 * 2.5 / 55 + 3.0) / 2)
    assert plan(workload, costs, sized)["busy_cores"]["asr"] < plan(workload, costs, full)["busy_cores"]["asr"]


def test_choice_between_equally_cheap_configurations_takes_the_lower_error() -> None:
    from bench.asr_context import BASELINE, ONE_ENCODE, choose

    clips = [("a", "en"), ("b", "es")]
    base = _summary(BASELINE, False, [(c, lang, 2.0, 0.10) for c, lang in clips])
    once = _summary(ONE_ENCODE, False, [(c, lang, 1.2, 0.10) for c, lang in clips])
    cheapest = _summary("cheapest", True, [("a", "en", 0.50, 0.10), ("b", "es", 0.50, 0.11)])
    close = _summary("close", True, [("a", "en", 0.52, 0.10), ("b", "es", 0.50, 0.09)])  # 2 % dearer, better
    assert choose([base, once, cheapest, close])["label"] == "close"
