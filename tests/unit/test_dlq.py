"""dlq filters select by stage, reason and time window."""

from datetime import UTC, datetime

from workers.dlq import DlqFilter, parse_time, summarize

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def record(stage="transcribe", reason="decode_error", failed_at=T0):
    return {"stage": stage, "reason": reason, "failed_at": failed_at}


def test_filters_combine():
    selector = DlqFilter(stage="transcribe", reason="timeout", since=T0, until=parse_time("2026-11-21T13:00"))
    assert selector.matches(record(reason="timeout"))
    assert not selector.matches(record(reason="decode_error"))
    assert not selector.matches(record(stage="tag", reason="timeout"))
    assert not selector.matches(record(reason="timeout", failed_at=parse_time("2026-11-21T13:00:00+00:00")))


def test_times_parse_from_iso_or_epoch_ms():
    assert parse_time("1795262400000") == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert parse_time("2026-11-21T12:00:00") == T0 and parse_time(None) is None


def test_summary_counts_by_stage_and_reason():
    counts = summarize([record(), record(), record(stage="tag", reason="bad_record")])
    assert counts[("transcribe", "decode_error")] == 2 and counts[("tag", "bad_record")] == 1
