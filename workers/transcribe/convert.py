"""Convert CTranslate2 Whisper weights into an openai-whisper checkpoint, so both backends share one model.

The reader follows the layout written by ``ctranslate2/specs/model_spec.py::_serialize`` and read by
``src/models/model.cc`` (binary version >= 4): ``u32 version, str spec, u32 revision, u32 n`` then ``n``
variables ``str name, u8 rank, u32 dims[rank], u8 dtype, u32 nbytes, bytes`` then ``u32 m`` aliases
``str alias, str target``. Strings are ``u16 length`` (NUL included) + UTF-8 + NUL; all little-endian.
The converted checkpoint is ``{"dims", "model_state_dict", "alignment_heads", "source_sha256"}`` and is
cached next to the model (or in ``cache_dir``) under the SHA-256 of ``model.bin``.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from workers.errors import ModelUnavailable
from workers.transcribe.model_store import sha256_file

MIN_BINARY_VERSION = 4  # first version with a dtype byte per variable
# Order of CTranslate2's DataType enum (include/ctranslate2/types.h); bfloat16 is widened by hand.
_DTYPES: tuple[str, ...] = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
_CHECKPOINT_PREFIX = "openai-whisper-"
CONVERTER_VERSION = 1  # part of the cache key: bump when the mapping changes so old caches are not reused


@dataclass(frozen=True)
class Ct2Model:
    """The variables of a CTranslate2 model file, aliases resolved and quantized weights dequantized."""

    spec: str  # e.g. "WhisperSpec"
    revision: int
    variables: dict[str, np.ndarray]


def _unpack(fh: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize("<" + fmt)
    data = fh.read(size)
    if len(data) != size:
        raise ModelUnavailable(f"model.bin truncated at byte {fh.tell()}")
    return struct.unpack("<" + fmt, data)[0]


def _string(fh: BinaryIO) -> str:
    length = _unpack(fh, "H")
    return fh.read(length).rstrip(b"\0").decode("utf-8")


def _array(raw: bytes, dtype_id: int, dims: list[int]) -> np.ndarray:
    if dtype_id >= len(_DTYPES):
        raise ModelUnavailable(f"model.bin uses unknown dtype id {dtype_id}")
    if _DTYPES[dtype_id] == "bfloat16":
        widened = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return widened.view(np.float32).reshape(dims)
    return np.frombuffer(raw, dtype=np.dtype(_DTYPES[dtype_id]).newbyteorder("<")).reshape(dims)


def _dequantize(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # CTranslate2 quantizes per output row: q = round(w * scale), so w = q / scale.
    out = {}
    for name, value in variables.items():
        scale = variables.get(name + "_scale")
        if name.endswith("/weight") and scale is not None:
            per_row = scale.astype(np.float32).reshape((-1,) + (1,) * (value.ndim - 1))
            value = value.astype(np.float32) / per_row
        if not name.endswith("/weight_scale"):
            out[name] = value
    return out


def read_ct2_model(model_bin: Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin`` into named numpy arrays."""
    with model_bin.open("rb") as fh:
        version = _unpack(fh, "I")
        if version < MIN_BINARY_VERSION:
            raise ModelUnavailable(f"{model_bin}: CTranslate2 binary version {version} is too old")
        spec, revision = _string(fh), _unpack(fh, "I")
        variables: dict[str, np.ndarray] = {}
        for _ in range(_unpack(fh, "I")):
            name = _string(fh)
            dims = [_unpack(fh, "I") for _ in range(_unpack(fh, "B"))]
            dtype_id, nbytes = _unpack(fh, "B"), _unpack(fh, "I")
            variables[name] = _array(fh.read(nbytes), dtype_id, dims)
        aliases = [(_string(fh), _string(fh)) for _ in range(_unpack(fh, "I"))]
    # Dequantize first: an alias names only the weight, its scale stays under the target's name.
    variables = _dequantize(variables)
    for alias, target in aliases:
        variables[alias] = variables[target]
    return Ct2Model(spec=spec, revision=revision, variables=variables)


def _count_layers(variables: dict[str, np.ndarray], scope: str) -> int:
    layer = re.compile(rf"^{scope}/layer_(\d+)/")
    return len({m.group(1) for name in variables if (m := layer.match(name))})


def model_dimensions(model: Ct2Model) -> dict[str, int]:
    """openai-whisper ``ModelDimensions`` fields derived from the tensors themselves."""
    v = model.variables
    return {
        "n_mels": int(v["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(v["encoder/conv1/weight"].shape[0]),
        "n_audio_head": int(v["encoder/num_heads"]),
        "n_audio_layer": _count_layers(v, "encoder"),
        "n_vocab": int(v["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(v["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(v["decoder/num_heads"]),
        "n_text_layer": _count_layers(v, "decoder"),
    }


def _check_supported(model: Ct2Model) -> None:
    v = model.variables
    if model.spec != "WhisperSpec":
        raise ModelUnavailable(f"expected a WhisperSpec CTranslate2 model, got {model.spec!r}")
    # openai-whisper is pre-norm, unscaled embeddings, tied output projection without bias.
    if not bool(v.get("decoder/pre_norm", True)) or float(v.get("decoder/scale_embeddings", 0)) not in (0, 1):
        raise ModelUnavailable("CTranslate2 decoder layout (post-norm or scaled embeddings) is not Whisper's")
    projection = v.get("decoder/projection/weight")
    if projection is not None and not np.array_equal(projection, v["decoder/embeddings/weight"]):
        raise ModelUnavailable("decoder projection is not tied to the token embedding")
    if "decoder/projection/bias" in v:
        raise ModelUnavailable("decoder projection has a bias; openai-whisper has none")


def _linear(v: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": v[f"{src}/weight"], f"{dst}.bias": v[f"{src}/bias"]}


def _split(v: dict[str, np.ndarray], src: str, dsts: tuple[str, ...]) -> dict[str, np.ndarray]:
    # Fused projections stack [q; k; v] rows. openai-whisper's key has no bias; a key bias only adds
    # q.b_k to every score of a query row, which softmax cancels, so dropping it is exact.
    weights = np.split(v[f"{src}/weight"], len(dsts))
    biases = np.split(v[f"{src}/bias"], len(dsts))
    out: dict[str, np.ndarray] = {}
    for dst, weight, bias in zip(dsts, weights, biases, strict=True):
        out[f"{dst}.weight"] = weight
        if not dst.endswith(".key"):
            out[f"{dst}.bias"] = bias
    return out


def _norm(v: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": v[f"{src}/gamma"], f"{dst}.bias": v[f"{src}/beta"]}


def _block(v: dict[str, np.ndarray], src: str, dst: str, cross: bool) -> dict[str, np.ndarray]:
    qkv = (f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value")
    out = {
        **_norm(v, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln"),
        **_split(v, f"{src}/self_attention/linear_0", qkv),
        **_linear(v, f"{src}/self_attention/linear_1", f"{dst}.attn.out"),
        **_norm(v, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln"),
        **_linear(v, f"{src}/ffn/linear_0", f"{dst}.mlp.0"),
        **_linear(v, f"{src}/ffn/linear_1", f"{dst}.mlp.2"),
    }
    if cross:
        out |= _norm(v, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
        out |= _linear(v, f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        out |= _split(v, f"{src}/attention/linear_1", (f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"))
        out |= _linear(v, f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
    return out


def openai_state_dict(model: Ct2Model) -> dict[str, np.ndarray]:
    """Map every CTranslate2 Whisper tensor onto its openai-whisper ``state_dict`` key."""
    _check_supported(model)
    v, dims = model.variables, model_dimensions(model)
    state = {
        **_linear(v, "encoder/conv1", "encoder.conv1"),
        **_linear(v, "encoder/conv2", "encoder.conv2"),
        "encoder.positional_embedding": v["encoder/position_encodings/encodings"],
        **_norm(v, "encoder/layer_norm", "encoder.ln_post"),
        "decoder.token_embedding.weight": v["decoder/embeddings/weight"],
        "decoder.positional_embedding": v["decoder/position_encodings/encodings"],
        **_norm(v, "decoder/layer_norm", "decoder.ln"),
    }
    for i in range(dims["n_audio_layer"]):
        state |= _block(v, f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    for i in range(dims["n_text_layer"]):
        state |= _block(v, f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    return state


def alignment_heads_dump(config: dict[str, Any], dims: dict[str, int]) -> str:
    """The ``config.json`` alignment heads in openai-whisper's base85(gzip(bool mask)) encoding."""
    mask = np.zeros((dims["n_text_layer"], dims["n_text_head"]), dtype=bool)
    for layer, head in config.get("alignment_heads") or ():
        mask[layer, head] = True
    if not mask.any():
        mask[dims["n_text_layer"] // 2 :] = True  # openai-whisper's own default: the last half of layers
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0)).decode("ascii")


def _write_checkpoint(ct2_dir: Path, target: Path, sha: str) -> None:
    import torch  # lazy: only the openai-whisper backend and the converter need torch

    model = read_ct2_model(ct2_dir / "model.bin")
    dims = model_dimensions(model)
    config = json.loads((ct2_dir / "config.json").read_text(encoding="utf-8"))
    checkpoint = {
        "dims": dims,
        "model_state_dict": {k: torch.from_numpy(np.array(a)) for k, a in openai_state_dict(model).items()},
        "alignment_heads": alignment_heads_dump(config, dims),
        "source_sha256": sha,
    }
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        torch.save(checkpoint, staging)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)


def ensure_openai_checkpoint(ct2_dir: Path, cache_dir: Path | None = None) -> Path:
    """Return the openai-whisper checkpoint converted from ``ct2_dir``, converting it on first use."""
    model_bin = ct2_dir / "model.bin"
    if not model_bin.is_file() or not (ct2_dir / "config.json").is_file():
        raise ModelUnavailable(f"{ct2_dir} is not a CTranslate2 Whisper model (model.bin, config.json)")
    sha = sha256_file(model_bin)
    target = (cache_dir or ct2_dir) / f"{_CHECKPOINT_PREFIX}v{CONVERTER_VERSION}-{sha[:16]}.pt"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write_checkpoint(ct2_dir, target, sha)
        except (KeyError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"cannot convert {model_bin} for openai-whisper: {exc!r}") from exc
    return target
