"""The ingestion publisher refuses contract violations with every problem listed."""

from __future__ import annotations

import pytest

from workers.errors import InvalidEventError
from workers.publisher import new_upload, validate_upload


def test_a_valid_upload_passes_and_hashtags_lose_their_hash():
    upload = new_upload(video_id="v1", creator_id="c1", region="ID", hashtags=["#kesehatanmental", "curhat"])
    assert validate_upload(upload)["hashtags"] == ["kesehatanmental", "curhat"]
    assert isinstance(upload["uploaded_at"], int) and upload["event_id"]


@pytest.mark.parametrize("field, value, message", [
    ("region", "Indonesia", "ISO 3166-1"),
    ("region", "id", "ISO 3166-1"),
    ("video_id", "", "video_id"),
    ("declared_language", "ind", "ISO 639-1"),
    ("uploaded_at", "2026-11-21", "uploaded_at"),
    ("hashtags", ["#x"], "hashtags"),
])
def test_contract_violations_are_refused_with_a_reason(field, value, message):
    upload = new_upload(video_id="v1", creator_id="c1", region="ID")
    upload[field] = value
    with pytest.raises(InvalidEventError, match=message):
        validate_upload(upload)


def test_every_problem_is_listed_at_once():
    upload = new_upload(video_id="", creator_id="", region="xx")
    with pytest.raises(InvalidEventError) as info:
        validate_upload(upload)
    assert str(info.value).count(";") >= 2
