"""Deterministic event ids: re-processing an input after a crash yields the same output ids."""

from __future__ import annotations

import uuid

# Fixed namespace for every id this pipeline derives (uuid5 of a random constant).
_NAMESPACE = uuid.UUID("6f1c1f7e-5a43-4d0b-9a7e-2f9a3f0f51d1")


def derive_event_id(upload_event_id: str, stage: str, version: str, *parts: str) -> str:
    """Id of an output event: a function of the input event id, the stage, its version and any qualifiers."""
    return str(uuid.uuid5(_NAMESPACE, "|".join((upload_event_id, stage, version, *parts))))


def dead_letter_id(topic: str, partition: int, offset: int, stage: str) -> str:
    """Id of a dead-letter record: one per input position and stage."""
    return str(uuid.uuid5(_NAMESPACE, f"dlq|{topic}|{partition}|{offset}|{stage}"))
