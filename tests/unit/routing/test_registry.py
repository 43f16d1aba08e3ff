"""Fides creator registry: join, update, leave, tombstone, out-of-order changes."""

from __future__ import annotations

import pytest

from workers.errors import InvalidEventError
from workers.routing import (
    FidesCreatorInfo,
    RouteInput,
    RouteOptions,
    apply_creator_change,
    load_psa_catalog,
    route,
)
from workers.tagging import TopicTag


def change(action: str, at: int, **fields) -> dict:
    return {
        "creator_id": "c1",
        "action": action,
        "updated_at": at,
        "display_name": "Dr. A",
        "organization": None,
        "specialties": [],
        "countries": ["ID"],
        **fields,
    }


def boosted(stored: dict | None) -> bool:
    creator = FidesCreatorInfo.from_record(stored) if stored else None
    inp = RouteInput("v", "c1", "ID", "id", (TopicTag("nutrition", 0.9, ()),))
    return bool(route(inp, creator, load_psa_catalog(), RouteOptions()).boosts)


def test_join_update_leave_take_effect():
    stored = apply_creator_change(None, change("join", 1))
    assert boosted(stored)
    stored = apply_creator_change(stored, change("update", 2, specialties=["vaccines"]))
    assert FidesCreatorInfo.from_record(stored).specialties == ("vaccines",)
    assert not boosted(stored)  # no longer vetted for nutrition
    assert apply_creator_change(stored, change("leave", 3)) is None


def test_tombstone_means_leave():
    assert apply_creator_change(change("join", 1), None) is None


def test_older_change_is_ignored():
    stored = change("update", 5)
    assert apply_creator_change(stored, change("leave", 4)) == stored


def test_update_without_join_stores_the_creator():
    assert apply_creator_change(None, change("update", 1))["creator_id"] == "c1"


def test_bad_action_is_poison():
    with pytest.raises(InvalidEventError):
        apply_creator_change(None, change("promote", 1))
