"""openai-whisper on weights converted from CTranslate2 agrees with faster-whisper on the same weights.

Both sides compute in float32 from the same fp16-stored weights (fp16 → fp32 widening is exact), so the
only differences are float32 rounding in different kernels (oneDNN/MKL GEMMs and fused layer norm /
softmax / GELU in CTranslate2 vs PyTorch's): relative error ~ eps32 · sqrt(K) · depth ≈ 1e-7 · 45 · 12
≈ 5e-5 at worst. Measured on jfk.flac: encoder output max |Δ| 5.8e-4 on activations up to 24.2
(2.4e-5 of the range), relative Frobenius error 2.8e-6; first-step logits max |Δ| ≈ 3e-5 on a range
of ~45. The bounds below leave 35× headroom over the measured errors yet sit orders of magnitude below
what any mapping mistake (a swapped q/k, a missing bias, a transposed kernel) produces: O(1) relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workers.transcribe.types import DecodeOptions

pytestmark = pytest.mark.slow

ENCODER_REL_FRO_BOUND = 1e-4
ENCODER_MAX_ABS_BOUND = 1e-3  # as a fraction of the largest activation
LOGIT_MAX_ABS_BOUND = 1e-2
LANGUAGE_PROB_BOUND = 1e-3
# One clip per language (the manifest's first of each), greedy: measured identical normalized text on all
# 37 manifest clips, fp32 vs fp32; the bound allows one token flip on a long clip.
TRANSCRIPT_WER_BOUND = 0.05
AGREEMENT_CLIPS = (
    "en_fw_jfk",
    "es_pv_leopard_test_es",
    "fr_pv_leopard_test_fr",
    "pt_pv_leopard_test_pt",
    "ja_pv_leopard_test_ja",
    "ko_pv_leopard_test_ko",
)


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from workers.transcribe.model_store import ensure_model_dir

    return ensure_model_dir()


@pytest.fixture(scope="module")
def openai_backend(model_dir: Path):
    from workers.transcribe.backends.openai_whisper import OpenAIWhisperBackend

    return OpenAIWhisperBackend(model_dir, cpu_threads=2)


@pytest.fixture(scope="module")
def faster_fp32(model_dir: Path):
    from workers.transcribe.backends.faster_whisper import FasterWhisperBackend

    return FasterWhisperBackend(model_dir, compute_type="float32", cpu_threads=2)


@pytest.fixture(scope="module")
def clips(speech_manifest: list[dict]) -> dict[str, tuple[dict, np.ndarray]]:
    from workers.transcribe.decode import decode_audio

    rows = {row["id"]: row for row in speech_manifest if row["id"] in AGREEMENT_CLIPS}
    return {cid: (row, decode_audio(Path(row["abspath"]).read_bytes())) for cid, row in rows.items()}


@pytest.fixture(scope="module")
def jfk_features(clips) -> np.ndarray:
    from whisper.audio import N_FRAMES, N_SAMPLES, log_mel_spectrogram, pad_or_trim

    _, samples = clips["en_fw_jfk"]
    return pad_or_trim(log_mel_spectrogram(samples, 80, padding=N_SAMPLES), N_FRAMES).numpy()[None]


@pytest.fixture(scope="module")
def encoded(openai_backend, faster_fp32, jfk_features) -> tuple[np.ndarray, np.ndarray]:
    import ctranslate2
    import torch

    ct2 = faster_fp32._model.model
    theirs = np.array(ct2.encode(ctranslate2.StorageView.from_array(jfk_features), to_cpu=True))
    with torch.inference_mode():
        ours = openai_backend.whisper.encoder(torch.from_numpy(jfk_features)).numpy()
    return ours, theirs


def test_every_openai_tensor_is_filled_from_ct2(model_dir: Path, openai_backend) -> None:
    import torch
    import whisper

    from workers.transcribe.convert import ensure_openai_checkpoint

    checkpoint = torch.load(ensure_openai_checkpoint(model_dir), weights_only=True)
    expected = whisper.model.Whisper(whisper.model.ModelDimensions(**checkpoint["dims"])).state_dict()
    state = checkpoint["model_state_dict"]
    assert set(state) == set(expected)
    assert all(state[k].shape == expected[k].shape for k in expected)
    assert checkpoint["dims"]["n_audio_layer"] == 6 and checkpoint["dims"]["n_vocab"] == 51865
    assert openai_backend.whisper.alignment_heads.to_dense().sum() == 8  # from config.json, not the default


def test_encoder_outputs_agree(encoded) -> None:
    ours, theirs = encoded
    assert ours.shape == theirs.shape == (1, 1500, 512)
    rel_fro = np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)
    max_abs = np.abs(ours - theirs).max()
    assert rel_fro < ENCODER_REL_FRO_BOUND, rel_fro
    assert max_abs < ENCODER_MAX_ABS_BOUND * np.abs(theirs).max(), max_abs


def test_first_step_logits_and_language_probabilities_agree(openai_backend, faster_fp32, encoded) -> None:
    import ctranslate2
    import torch
    import whisper

    ours_enc, theirs_enc = encoded
    prompt = list(
        whisper.tokenizer.get_tokenizer(
            True, language="en", task="transcribe"
        ).sot_sequence_including_notimestamps
    )
    ct2 = faster_fp32._model.model
    generated = ct2.generate(
        ctranslate2.StorageView.from_array(theirs_enc),
        [prompt],
        beam_size=1,
        max_length=len(prompt) + 1,
        return_logits_vocab=True,
        suppress_blank=False,
        suppress_tokens=[],
    )
    theirs = np.array(generated[0].logits[0])[0]
    with torch.inference_mode():
        ours = openai_backend.whisper.logits(torch.tensor([prompt]), torch.from_numpy(ours_enc))[
            0, -1
        ].numpy()
        _, (our_langs,) = openai_backend.whisper.detect_language(torch.from_numpy(ours_enc))
    assert np.abs(ours - theirs).max() < LOGIT_MAX_ABS_BOUND
    assert list(np.argsort(-ours)[:5]) == list(np.argsort(-theirs)[:5])
    their_langs = dict(ct2.detect_language(ctranslate2.StorageView.from_array(theirs_enc))[0])
    for code in ("en", "pt", "es", "de"):
        assert abs(our_langs[code] - their_langs[f"<|{code}|>"]) < LANGUAGE_PROB_BOUND


def test_greedy_transcripts_agree_on_real_speech(openai_backend, faster_fp32, clips) -> None:
    from workers.transcribe.wer import normalize_text, word_error_rate

    assert len(clips) == len(AGREEMENT_CLIPS)
    for cid, (row, samples) in clips.items():
        ours = openai_backend.transcribe(samples, DecodeOptions())
        theirs = faster_fp32.transcribe(samples, DecodeOptions())
        assert ours.language == theirs.language == row["lang"], cid
        assert word_error_rate(theirs.text, ours.text, row["lang"]) <= TRANSCRIPT_WER_BOUND, (
            cid,
            ours.text,
            theirs.text,
        )
        assert normalize_text(ours.text), cid
        assert [a.language for a in ours.language_alternatives][:1] == [row["lang"]]
        assert ours.segments and ours.segments[0].end_s > ours.segments[0].start_s
