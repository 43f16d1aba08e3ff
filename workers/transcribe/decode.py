"""Decode audio bytes in process with PyAV into Whisper's input: 16 kHz mono float32.

No ffmpeg command line and no shell. Only container formats that carry upload audio are probed
(``format_whitelist``), and no ffmpeg protocol may be opened from inside a file, so a playlist or
concat file cannot make the decoder read local files or the network. Work is bounded by the byte
cap on the input and by decoding at most ``max_duration_s`` of output.
"""

from __future__ import annotations

import hashlib
import io

import av
import numpy as np

from workers.errors import AudioDecodeError, AudioTooLarge
from workers.transcribe.types import SAMPLE_RATE

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_DURATION_S = 60.0
# Demuxers for what phones and editors upload: MP4/MOV/M4A, Matroska/WebM, Ogg, MP3, WAV, FLAC, AAC ...
ALLOWED_FORMATS = "mov,mp4,m4a,3gp,matroska,webm,ogg,mp3,wav,w64,flac,aac,aiff,caf,amr,au,wv"
# A header may claim any rate; 1 Hz upsampled to 16 kHz would multiply memory by 16,000 per frame.
_MIN_RATE, _MAX_RATE = 1_000, 768_000
_MAX_CHANNELS = 64
# Leading bytes of the accepted containers: tells a damaged audio file (corrupt) from no audio at all.
_MAGIC: tuple[bytes, ...] = (b"RIFF", b"RF64", b"ID3", b"fLaC", b"OggS", b"\x1aE\xdf\xa3", b"FORM")
_MAGIC += (b"caff", b"#!AMR", b".snd", b"wvpk")
_MAGIC_AT_4 = (b"ftyp", b"moov", b"mdat", b"free", b"wide")


class EmptyAudio(AudioDecodeError):
    """Zero bytes, or a container whose audio stream decodes to no samples."""

    reason = "empty_audio"


class NotAudio(AudioDecodeError):
    """Bytes that are no audio/video container we accept (text, images, documents ...)."""

    reason = "not_audio"


class NoAudioStream(AudioDecodeError):
    """A valid container without an audio stream (e.g. a silent video)."""

    reason = "no_audio_stream"


class CorruptAudio(AudioDecodeError):
    """A recognised container whose audio cannot be decoded (truncated, damaged, absurd header)."""

    reason = "corrupt_audio"


def decode_audio(
    data: bytes, *, max_duration_s: float = DEFAULT_MAX_DURATION_S, max_bytes: int = DEFAULT_MAX_BYTES
) -> np.ndarray:
    """The first ``max_duration_s`` seconds of ``data`` as 16 kHz mono float32 samples."""
    if not data:
        raise EmptyAudio("audio is zero bytes")
    if len(data) > max_bytes:
        raise AudioTooLarge(f"audio has {len(data)} bytes, cap is {max_bytes}")
    container = _open(data)
    with container:
        samples = _decode_first_audio_stream(container, int(max_duration_s * SAMPLE_RATE))
    if samples.size == 0:
        raise EmptyAudio("audio stream decoded to no samples")
    return samples


def audio_sha256(samples: np.ndarray) -> str:
    """Hex SHA-256 of the decoded little-endian float32 samples: the reused-sound cache key."""
    return hashlib.sha256(np.ascontiguousarray(samples, dtype="<f4").tobytes()).hexdigest()


def _open(data: bytes) -> av.container.InputContainer:
    options = {"format_whitelist": ALLOWED_FORMATS, "protocol_whitelist": "none"}
    try:
        return av.open(io.BytesIO(data), mode="r", options=options, metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        if _looks_like_media(data):
            raise CorruptAudio(f"damaged audio container: {exc}") from exc
        raise NotAudio(f"not a supported audio container: {exc}") from exc


def _looks_like_media(data: bytes) -> bool:
    mpeg_sync = len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0  # MP3 / ADTS frame header
    return mpeg_sync or data.startswith(_MAGIC) or data[4:8] in _MAGIC_AT_4


def _decode_first_audio_stream(container: av.container.InputContainer, max_samples: int) -> np.ndarray:
    if not container.streams.audio:
        if not container.streams:  # e.g. an MP4 cut off inside its index: damaged, not silent
            raise CorruptAudio(f"{container.format.name} container has no readable streams")
        raise NoAudioStream(f"{container.format.name} container has no audio stream")
    stream = container.streams.audio[0]
    _check_header(stream)
    # Keep the channel layout and average channels ourselves: swresample's mono downmix adds channels
    # (stereo +3 dB, 5.1 clips), while the mean keeps a signal present in every channel at its level.
    # Packed float ("flt"): PyAV's planar to_ndarray segfaults at 8+ channels (found by fuzzing: a 7.1
    # upload killed the worker, and the uncommitted event killed every restart).
    resampler = av.AudioResampler(format="flt", layout=None, rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(stream):
            _check_frame(frame)
            total += _append(chunks, resampler.resample(frame))
            if total >= max_samples:
                break  # the cap, not the file, bounds the work: never decode hours of a bomb
        else:
            _append(chunks, resampler.resample(None))
    except (av.FFmpegError, ValueError) as exc:  # ValueError: layout or rate changed mid-stream
        raise CorruptAudio(f"audio stream cannot be decoded: {exc}") from exc
    samples = np.concatenate(chunks)[:max_samples] if chunks else np.zeros(0, dtype=np.float32)
    # Float codecs can carry NaN/inf or values far past full scale; Whisper's log-mel would turn them
    # into garbage for the whole 30 s window.
    return np.clip(np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0), -1.0, 1.0)


def _check_header(stream: av.audio.stream.AudioStream) -> None:
    context = stream.codec_context
    if context is None:  # e.g. a WAV with an unknown format code: no decoder exists for it
        raise CorruptAudio("audio stream has no decoder (unknown codec)")
    rate = context.sample_rate or stream.rate or 0
    if rate and not _MIN_RATE <= rate <= _MAX_RATE:
        raise CorruptAudio(f"implausible sample rate {rate} Hz")


def _check_frame(frame: av.AudioFrame) -> None:
    if not _MIN_RATE <= frame.sample_rate <= _MAX_RATE:
        raise CorruptAudio(f"implausible sample rate {frame.sample_rate} Hz")
    if len(frame.layout.channels) > _MAX_CHANNELS:
        raise CorruptAudio(f"implausible channel count {len(frame.layout.channels)}")


def _append(chunks: list[np.ndarray], frames: list[av.AudioFrame]) -> int:
    added = 0
    for frame in frames:
        channels = len(frame.layout.channels)
        mono = frame.to_ndarray().reshape(-1, channels).mean(axis=1, dtype=np.float32)  # packed: interleaved
        chunks.append(mono)
        added += mono.size
    return added
