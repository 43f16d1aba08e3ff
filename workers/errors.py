"""The pipeline's error hierarchy: every exception says what the caller must do with the event.

- ``PoisonError``: the input itself is bad; retrying cannot help → dead-letter it, keep the stream flowing.
- ``TransientError``: a dependency hiccuped (network, timeout of a peer) → bounded retry with backoff,
  then dead-letter with the last error.
- ``InfrastructureError``: this process cannot work (model missing, broker gone) → crash and let the
  supervisor restart it; the uncommitted event is redelivered.

Each poison error carries a stable ``reason`` code used in dead-letter records and metric labels.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error this package raises on purpose."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class PoisonError(PipelineError):
    """The event can never be processed as it is: dead-letter it."""

    reason = "poison"


class TransientError(PipelineError):
    """Worth retrying a bounded number of times before dead-lettering."""

    reason = "transient"


class InfrastructureError(PipelineError):
    """The worker cannot do any work: crash so the supervisor restarts it."""

    reason = "infrastructure"


# -- contracts ---------------------------------------------------------------------------------------


class BadRecordError(PoisonError):
    """Bytes that are not a valid framed Avro record of the expected schema."""

    reason = "bad_record"


class UnknownSchemaError(PoisonError):
    """A framed record whose schema id neither the id map nor the registry knows."""

    reason = "unknown_schema"


class InvalidEventError(PoisonError):
    """A record that decodes but breaks a contract rule (e.g. region not ISO 3166 alpha-2)."""

    reason = "invalid_event"


# -- audio ---------------------------------------------------------------------------------------------


class AudioFetchRefused(PoisonError):
    """The audio URI breaks the fetch policy (scheme, path escape, private address, host not allowed)."""

    reason = "fetch_refused"


class AudioTooLarge(PoisonError):
    """The audio body is over the byte cap."""

    reason = "audio_too_large"


class AudioDecodeError(PoisonError):
    """The bytes are not decodable audio (corrupt, empty, not audio)."""

    reason = "decode_error"


class AudioFetchFailed(TransientError):
    """The audio could not be fetched right now (connection error, 5xx); retry later."""

    reason = "fetch_failed"


class StageTimeout(PoisonError):
    """Processing one event took longer than its time budget."""

    reason = "timeout"


class ModelUnavailable(InfrastructureError):
    """The Whisper model cannot be found or loaded."""

    reason = "model_unavailable"
