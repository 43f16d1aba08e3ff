"""The CTranslate2 → openai-whisper converter on tiny random Whisper models written by CTranslate2 itself."""

from __future__ import annotations

import base64
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from workers.errors import ModelUnavailable
from workers.transcribe.convert import (
    alignment_heads_dump,
    ensure_openai_checkpoint,
    model_dimensions,
    openai_state_dict,
    read_ct2_model,
)

D, HEADS, LAYERS, VOCAB, MELS, AUDIO_CTX, TEXT_CTX = 8, 2, 2, 12, 4, 6, 5


def _linear(spec, rng, rows: int, cols: int) -> None:
    # Key biases are non-zero on purpose: the converter drops them, which softmax makes exact.
    spec.weight = rng.standard_normal((rows, cols)).astype(np.float32) * 0.3
    spec.bias = rng.standard_normal(rows).astype(np.float32) * 0.1


def _norm(spec, rng) -> None:
    spec.gamma = 1 + rng.standard_normal(D).astype(np.float32) * 0.1
    spec.beta = rng.standard_normal(D).astype(np.float32) * 0.1


def _layer(layer, rng, cross: bool) -> None:
    _norm(layer.self_attention.layer_norm, rng)
    _linear(layer.self_attention.linear[0], rng, 3 * D, D)
    _linear(layer.self_attention.linear[1], rng, D, D)
    _norm(layer.ffn.layer_norm, rng)
    _linear(layer.ffn.linear_0, rng, 4 * D, D)
    _linear(layer.ffn.linear_1, rng, D, 4 * D)
    if cross:
        _norm(layer.attention.layer_norm, rng)
        _linear(layer.attention.linear[0], rng, D, D)
        _linear(layer.attention.linear[1], rng, 2 * D, D)
        _linear(layer.attention.linear[2], rng, D, D)


def _tiny_spec(seed: int = 0):
    from ctranslate2.specs import whisper_spec

    rng = np.random.default_rng(seed)
    spec = whisper_spec.WhisperSpec(LAYERS, HEADS, LAYERS, HEADS)
    enc, dec = spec.encoder, spec.decoder
    enc.conv1.weight = rng.standard_normal((D, MELS, 3)).astype(np.float32)
    enc.conv1.bias = rng.standard_normal(D).astype(np.float32)
    enc.conv2.weight = rng.standard_normal((D, D, 3)).astype(np.float32) * 0.3
    enc.conv2.bias = rng.standard_normal(D).astype(np.float32)
    enc.position_encodings.encodings = rng.standard_normal((AUDIO_CTX, D)).astype(np.float32)
    _norm(enc.layer_norm, rng)
    dec.embeddings.weight = rng.standard_normal((VOCAB, D)).astype(np.float32)
    dec.projection.weight = dec.embeddings.weight  # tied, as in Whisper: CTranslate2 writes an alias
    dec.position_encodings.encodings = rng.standard_normal((TEXT_CTX, D)).astype(np.float32)
    _norm(dec.layer_norm, rng)
    for layer in enc.layer:
        _layer(layer, rng, cross=False)
    for layer in dec.layer:
        _layer(layer, rng, cross=True)
    spec.register_vocabulary([f"tok{i}" for i in range(VOCAB)])
    return spec


@pytest.fixture
def tiny_model_factory(tmp_path: Path):
    """Write a tiny Whisper model with CTranslate2's own serializer; returns (dir, original spec)."""

    def build(quantization: str = "float16", name: str = "ct2", seed: int = 0):
        spec = _tiny_spec(seed)
        variables = spec.variables().items()
        originals = {k: np.array(v, copy=True) for k, v in variables if isinstance(v, np.ndarray)}
        spec.config.alignment_heads = [[1, 0], [1, 1]]
        spec.validate()
        spec.optimize(quantization=quantization)
        out = tmp_path / name
        out.mkdir()
        spec.save(str(out))
        return out, originals

    return build


def test_every_openai_tensor_is_filled_with_matching_shape(tiny_model_factory) -> None:
    import whisper

    model_dir, _ = tiny_model_factory()
    ct2 = read_ct2_model(model_dir / "model.bin")
    expected = whisper.model.Whisper(whisper.model.ModelDimensions(**model_dimensions(ct2))).state_dict()
    state = openai_state_dict(ct2)
    assert set(state) == set(expected)
    assert {k: tuple(v.shape) for k, v in state.items()} == {k: tuple(v.shape) for k, v in expected.items()}


def test_fused_projections_split_into_their_rows(tiny_model_factory) -> None:
    model_dir, orig = tiny_model_factory()
    state = openai_state_dict(read_ct2_model(model_dir / "model.bin"))
    fused = orig["decoder/layer_1/self_attention/linear_0/weight"].astype(np.float16)
    np.testing.assert_array_equal(state["decoder.blocks.1.attn.key.weight"], fused[D : 2 * D])
    kv_bias = orig["decoder/layer_0/attention/linear_1/bias"].astype(np.float16)
    np.testing.assert_array_equal(state["decoder.blocks.0.cross_attn.value.bias"], kv_bias[D:])
    assert "decoder.blocks.0.cross_attn.key.bias" not in state
    gamma = orig["encoder/layer_norm/gamma"].astype(np.float16)
    np.testing.assert_array_equal(state["encoder.ln_post.weight"], gamma)


def test_tied_projection_alias_resolves_to_the_embedding(tiny_model_factory) -> None:
    model_dir, _ = tiny_model_factory()
    variables = read_ct2_model(model_dir / "model.bin").variables
    embedding = variables["decoder/embeddings/weight"]
    np.testing.assert_array_equal(variables["decoder/projection/weight"], embedding)


def test_int8_weights_are_dequantized_within_half_a_step(tiny_model_factory) -> None:
    model_dir, orig = tiny_model_factory("int8")
    state = openai_state_dict(read_ct2_model(model_dir / "model.bin"))
    original = orig["encoder/layer_0/ffn/linear_0/weight"]
    step = np.abs(original).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(state["encoder.blocks.0.mlp.0.weight"] - original) <= step / 2 + 1e-6)


def test_converted_encoder_matches_ctranslate2_on_random_weights(tiny_model_factory) -> None:
    import ctranslate2
    import torch
    import whisper

    model_dir, _ = tiny_model_factory("float32")
    checkpoint = torch.load(ensure_openai_checkpoint(model_dir), weights_only=True)
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    mel = np.random.default_rng(1).standard_normal((1, MELS, 2 * AUDIO_CTX)).astype(np.float32)
    ct2 = ctranslate2.models.Whisper(str(model_dir))
    reference = np.array(ct2.encode(ctranslate2.StorageView.from_array(mel), to_cpu=True))
    with torch.inference_mode():
        ours = model.encoder(torch.from_numpy(mel)).numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-4)


def test_checkpoint_is_cached_by_checksum_and_written_atomically(tiny_model_factory, tmp_path: Path) -> None:
    first_dir, _ = tiny_model_factory(name="a", seed=0)
    other_dir, _ = tiny_model_factory(name="b", seed=1)
    cache = tmp_path / "cache"
    path = ensure_openai_checkpoint(first_dir, cache)
    stamp = path.stat().st_mtime_ns
    assert ensure_openai_checkpoint(first_dir, cache) == path and path.stat().st_mtime_ns == stamp
    assert ensure_openai_checkpoint(other_dir, cache) != path
    assert sorted(p.name.startswith(".") for p in cache.iterdir()) == [False, False]


def test_alignment_heads_come_from_config() -> None:
    dump = alignment_heads_dump({"alignment_heads": [[1, 0], [0, 1]]}, {"n_text_layer": 2, "n_text_head": 2})
    mask = np.frombuffer(gzip.decompress(base64.b85decode(dump)), dtype=bool).reshape(2, 2)
    assert mask.tolist() == [[False, True], [True, False]]


@pytest.mark.parametrize("damage", ["truncate", "old_version"])
def test_damaged_model_file_is_model_unavailable(tiny_model_factory, damage: str) -> None:
    model_dir, _ = tiny_model_factory()
    model_bin = model_dir / "model.bin"
    data = model_bin.read_bytes()
    old_version = (3).to_bytes(4, "little") + data[4:]
    model_bin.write_bytes(data[: len(data) // 2] if damage == "truncate" else old_version)
    with pytest.raises(ModelUnavailable):
        ensure_openai_checkpoint(model_dir)
    assert not [p for p in os.listdir(model_dir) if p.endswith(".tmp")]
