"""The UploadEvent contract rules, one module for the publisher and the first consuming stage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workers.contracts import rules
from workers.contracts.rules import upload_problems, validate_upload
from workers.errors import InvalidEventError
from workers.publisher import new_upload
from workers.publisher import validate_upload as publisher_validate


def test_the_publisher_and_the_stage_use_the_same_rules():
    assert publisher_validate is validate_upload


def test_a_valid_upload_has_no_problem():
    upload = new_upload(video_id="v1", creator_id="c1", region="ID", caption="halo", hashtags=["curhat"],
                        declared_language="id", duration_ms=15_000, audio_uri="file:///media/a.flac")
    assert upload_problems(upload) == [] and validate_upload(upload) is upload
    assert upload_problems({**upload, "uploaded_at": datetime(2026, 1, 1, tzinfo=UTC)}) == []


@pytest.mark.parametrize("field, value, expected", [
    ("event_id", "", "event_id must be a non-empty string"),
    ("event_id", "   ", "event_id must be a non-empty string"),
    ("video_id", "x" * 257, "video_id is 257 characters"),
    ("creator_id", None, "creator_id must be a non-empty string"),
    ("region", "zz", "region 'zz' is not an ISO 3166-1"),
    ("region", "ZZ", "region 'ZZ' is not an ISO 3166-1"),
    ("region", "Indonesia", "ISO 3166-1"),
    ("declared_language", "xx", "declared_language 'xx' is not an ISO 639-1"),
    ("declared_language", "ind", "ISO 639-1"),
    ("hashtags", ["#x"], "without the leading '#'"),
    ("hashtags", [""], "hashtags must not be empty"),
    ("hashtags", ["t"] * 101, "101 hashtags"),
    ("hashtags", ["t" * 101], "longer than 100"),
    ("caption", "c" * 10_001, "caption is 10001 characters"),
    ("duration_ms", -1, "duration_ms -1 is not between"),
    ("duration_ms", 24 * 3600 * 1000 + 1, "is not between"),
    ("audio_uri", "", "audio_uri must be null or a non-empty string"),
    ("uploaded_at", -5, "before 1970"),
    ("uploaded_at", "2026-11-21", "uploaded_at must be epoch milliseconds"),
])
def test_each_broken_rule_is_named(field, value, expected):
    upload = new_upload(video_id="v1", creator_id="c1", region="ID")
    upload[field] = value
    problems = upload_problems(upload)
    assert len(problems) == 1 and expected in problems[0], problems
    with pytest.raises(InvalidEventError, match="invalid UploadEvent"):
        validate_upload(upload)


def test_every_problem_is_named_at_once_and_long_values_are_cut_short():
    upload = new_upload(video_id="", creator_id="", region="Q" * 5000, hashtags=["#a"], event_id="e")
    upload["event_id"], upload["hashtags"] = "", ["#a"]
    with pytest.raises(InvalidEventError) as info:
        validate_upload(upload)
    message = str(info.value)
    for part in ("event_id", "video_id", "creator_id", "region", "hashtags"):
        assert part in message
    assert len(message) < 600


def test_the_code_lists_are_iso():
    assert len(rules.ISO_3166_ALPHA2) == 250  # 249 assigned + XK
    assert len(rules.ISO_639_1) == 184
    assert {"US", "GB", "FR", "JP", "KR", "ID", "MX", "BR"} <= rules.ISO_3166_ALPHA2
    assert {"en", "id", "es", "pt", "fr", "ja", "ko"} <= rules.ISO_639_1
    assert upload_problems("not a record") == ["an UploadEvent must be a record, not str"]
