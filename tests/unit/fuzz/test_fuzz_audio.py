"""The audio decoder under hostile bytes: an AudioDecodeError subclass or a bounded, clean sample array."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import wave
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from importlib import resources

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.fuzz.fuzzing import fuzz_settings
from workers.errors import AudioDecodeError, AudioTooLarge
from workers.transcribe.decode import decode_audio
from workers.transcribe.types import SAMPLE_RATE

pytestmark = pytest.mark.fuzz
CAP_S = 5.0  # a small duration cap so every case is quick and the cap itself is exercised


def _wav(seconds: float = 1.0, rate: int = 16000, channels: int = 1) -> bytes:
    samples = (np.sin(np.arange(int(seconds * rate)) / 7.0) * 12000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.repeat(samples, channels).tobytes())
    return buffer.getvalue()


def _flac_silence(seconds: float, rate: int = 8000) -> bytes:
    """A highly compressible FLAC: long silence, a few KB per minute (a decompression bomb)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="flac") as container:
        stream = container.add_stream("flac", rate=rate, layout="mono")
        chunk = np.zeros((1, rate * 10), dtype=np.int16)
        for index in range(int(seconds // 10)):
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, index * rate * 10
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    """Real containers to mutate: our sample FLAC, a WAV, a stereo 44.1 kHz WAV, a 10-minute silent FLAC."""
    flac = resources.files("workers.samples").joinpath("audio", "en_vaccines.flac").read_bytes()
    return {"flac": flac, "wav": _wav(), "wav_stereo": _wav(0.5, 44100, 2), "bomb": _flac_silence(600)}


def _decode_in_child(data: bytes) -> tuple:
    """Runs in the child process: the outcome as plain data (a crash kills only the child)."""
    try:
        samples = decode_audio(data, max_duration_s=CAP_S)
    except (AudioDecodeError, AudioTooLarge) as exc:
        return ("poison", exc.reason)
    except Exception as exc:  # reported to the parent, which fails the property with it
        return ("error", f"{type(exc).__name__}: {exc}")
    clean = bool(np.isfinite(samples).all() and np.abs(samples).max() <= 1.0)
    return ("samples", str(samples.dtype), samples.ndim, samples.size, clean)


@pytest.fixture(scope="module")
def decoder():
    """Decode in a child process, so a native crash (segfault) is a failed case, not a dead test run."""
    pools = [ProcessPoolExecutor(max_workers=1)]
    pools[0].submit(int).result(timeout=30)  # start the pool's threads here, not inside the first test

    def decode(data: bytes) -> tuple:
        try:
            return pools[-1].submit(_decode_in_child, data).result(timeout=30)
        except BrokenProcessPool:
            pools.append(ProcessPoolExecutor(max_workers=1))
            return ("crash", data[:64].hex())

    yield decode
    for pool in pools:
        pool.shutdown(cancel_futures=True)


def _decoded_or_poison(decoder, data: bytes) -> None:
    outcome = decoder(data)
    assert outcome[0] in ("poison", "samples"), outcome
    if outcome[0] == "samples":
        assert outcome[1:3] == ("float32", 1) and 0 < outcome[3] <= int(CAP_S * SAMPLE_RATE) and outcome[4]


@fuzz_settings(deadline_ms=15_000)
@given(data=st.binary(max_size=4096))
def test_random_bytes(decoder, data):
    _decoded_or_poison(decoder, data)


@fuzz_settings(deadline_ms=15_000)
@given(data=st.data(), which=st.sampled_from(["flac", "wav", "wav_stereo", "bomb"]))
def test_truncated_real_files(decoder, seeds, data, which):
    original = seeds[which]
    _decoded_or_poison(decoder, original[: data.draw(st.integers(0, len(original) - 1))])


@fuzz_settings(deadline_ms=15_000)
@given(
    which=st.sampled_from(["flac", "wav", "wav_stereo"]),
    edits=st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), min_size=1, max_size=16),
)
def test_corrupted_headers_and_bodies(decoder, seeds, which, edits):
    mutated = bytearray(seeds[which])
    for position, value in edits:
        mutated[position % len(mutated)] = value
    if which.startswith("wav"):
        struct.pack_into("<H", mutated, 22, mutated[22] % 40)  # up to 39 channels: 8+ once crashed PyAV's planar path
    _decoded_or_poison(decoder, bytes(mutated))


@fuzz_settings(deadline_ms=15_000)
@given(
    rate=st.one_of(st.sampled_from([0, 1, 999, 8000, 768001, 2**31 - 1, 2**32 - 1]), st.integers(0, 2**32 - 1)),
    channels=st.integers(0, 7),
    data_size=st.one_of(st.just(0xFFFFFFFF), st.integers(0, 2**32 - 1)),
)
def test_wav_headers_claiming_anything(decoder, seeds, rate, channels, data_size):
    """Wrong sample rates, absurd channel counts, a data chunk claiming hours but holding one second."""
    wav = bytearray(seeds["wav"])
    struct.pack_into("<HI", wav, 22, channels, rate)
    struct.pack_into("<I", wav, 40, data_size)
    _decoded_or_poison(decoder, bytes(wav))


def test_zero_length_and_over_cap_inputs_are_poison():
    with pytest.raises(AudioDecodeError):
        decode_audio(b"")
    with pytest.raises(AudioTooLarge):
        decode_audio(b"RIFF" + b"\0" * 100, max_bytes=50)


def test_compressed_bomb_is_bounded_by_the_duration_cap(seeds):
    bomb = seeds["bomb"]
    started = time.perf_counter()
    samples = decode_audio(bomb, max_duration_s=CAP_S)
    assert len(bomb) < 200_000  # ten minutes of audio in a few KB: the input cap alone would not help
    assert samples.size == int(CAP_S * SAMPLE_RATE)
    assert time.perf_counter() - started < 2.0


def test_wav_header_claiming_hours_decodes_only_what_is_there(seeds):
    wav = bytearray(_wav(2.0))
    struct.pack_into("<I", wav, 4, 0xFFFFFFFF)
    struct.pack_into("<I", wav, 40, 0xFFFFFFF0)  # ~37 hours of 16 kHz 16-bit mono claimed
    samples = decode_audio(bytes(wav), max_duration_s=60.0)
    assert samples.size <= 2 * SAMPLE_RATE + 1024


_EIGHT_CHANNELS = """
import io, wave, numpy as np
from workers.errors import AudioDecodeError
from workers.transcribe.decode import decode_audio
buffer = io.BytesIO()
with wave.open(buffer, "wb") as out:
    out.setnchannels({channels}); out.setsampwidth(2); out.setframerate(44100)
    out.writeframes(np.zeros(44100 * {channels}, dtype="<i2").tobytes())
try:
    decode_audio(buffer.getvalue())
except AudioDecodeError:
    pass
"""


@pytest.mark.parametrize("channels", [8, 38])
def test_eight_or_more_channels_do_not_crash_the_process(channels):
    child = subprocess.run(
        [sys.executable, "-c", _EIGHT_CHANNELS.format(channels=channels)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr.decode(errors="replace")[-500:]


def test_unknown_wav_format_code_is_corrupt_audio(seeds):
    wav = bytearray(seeds["wav_stereo"])
    struct.pack_into("<H", wav, 20, 45)  # audio format 45: no decoder
    with pytest.raises(AudioDecodeError):
        decode_audio(bytes(wav))
