"""The offset ledger alone: a commit point never passes a delivered, unfinished offset."""

from __future__ import annotations

from collections import namedtuple

from hypothesis import given
from hypothesis import strategies as st

from workers.offsets import REREAD_AFTER_S, REREADS, OffsetLedger, oldest_unfinished_by_topic

NamedTP = namedtuple("NamedTP", "topic partition")  # the shape of Faust's TP
TP = NamedTP("uploads", 0)


def test_commit_point_is_the_lowest_unfinished_offset():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=3, committed=10)
    assert ledger.commit_point(TP) == 10
    for offset in range(10, 15):
        assert ledger.delivered(TP, offset, 3) is None  # counted, in order
    for offset in (11, 12, 14):
        assert ledger.finished(TP, offset, 3)
    assert ledger.commit_point(TP) == 10
    ledger.finished(TP, 10, 3)
    assert ledger.commit_point(TP) == 13
    ledger.finished(TP, 13, 3)
    assert ledger.commit_point(TP) == 15


def test_stale_deliveries_and_marks_count_for_nothing():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=2, committed=5)
    assert not ledger.delivered(TP, 7, 1)  # fetched in generation 1
    assert not ledger.delivered(TP, 4, 2)  # below the committed offset
    assert not ledger.finished(TP, 5, 2)  # never delivered since the reset
    assert not ledger.delivered(("other", 0), 1, 2)  # not assigned
    assert ledger.commit_point(TP) == 5
    assert ledger.counts.stale_deliveries == 3 and ledger.counts.stale_marks == 1


def test_nothing_committed_starts_at_the_first_delivery():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=1, committed=None)
    assert ledger.commit_point(TP) is None
    ledger.delivered(TP, 40, 1)  # the log starts at 40 (retention)
    assert ledger.commit_point(TP) == 40
    ledger.finished(TP, 40, 1)
    assert ledger.commit_point(TP) == 41


def test_a_reread_after_a_seek_back_waits_for_its_second_finish():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=1, committed=0)
    for offset in range(3):
        ledger.delivered(TP, offset, 1)
        ledger.finished(TP, offset, 1)
    ledger.delivered(TP, 1, 1)  # fetched again
    assert ledger.commit_point(TP) == 1


def test_a_delivery_past_the_next_offset_is_not_counted_and_asks_for_a_reread():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=1, committed=4)
    assert ledger.delivered(TP, 11, 1, now=10.0) == 4  # 4..10 not seen: re-read from 4
    assert ledger.delivered(TP, 12, 1, now=10.1) is None  # the old fetch's tail: ignored, no new seek
    assert ledger.commit_point(TP) == 4
    for offset in range(4, 13):  # the re-read, in order
        assert ledger.delivered(TP, offset, 1, now=11.0) is None
        ledger.finished(TP, offset, 1)
    assert ledger.commit_point(TP) == 13 and ledger.counts.rereads == 1 and ledger.counts.jumps == 0


def test_a_gap_that_survives_every_reread_is_taken_as_absent():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=1, committed=0)
    now = 0.0
    for _ in range(REREADS):
        assert ledger.delivered(TP, 5, 1, now=now) == 0
        now += REREAD_AFTER_S + 0.1
    assert ledger.delivered(TP, 5, 1, now=now) is None  # compacted away / expired: accepted
    ledger.finished(TP, 5, 1)
    assert ledger.commit_point(TP) == 6 and ledger.counts.jumps == 1


def test_the_oldest_unfinished_age_grows_until_the_message_is_answered():
    ledger = OffsetLedger()
    ledger.reset(TP, generation=1, committed=0)
    ledger.reset(NamedTP("uploads", 1), generation=1, committed=0)
    ledger.delivered(TP, 0, 1, now=100.0)
    ledger.delivered(TP, 1, 1, now=105.0)
    ledger.delivered(TP, 0, 1, now=130.0)  # re-read: the age counts from the first delivery
    assert ledger.oldest_unfinished_age(TP, now=160.0) == 60.0
    assert oldest_unfinished_by_topic(ledger, now=160.0) == {"uploads": 60.0}
    ledger.finished(TP, 0, 1)
    assert ledger.oldest_unfinished_age(TP, now=160.0) == 55.0
    ledger.finished(TP, 1, 1)
    assert oldest_unfinished_by_topic(ledger, now=160.0) == {"uploads": 0.0}
    assert ledger.oldest_unfinished_age(("unknown", 0), now=160.0) == 0.0


def test_forget_drops_the_partition():
    ledger = OffsetLedger()
    ledger.reset(TP, 1, 0)
    ledger.forget([TP])
    assert ledger.commit_point(TP) is None and ledger.partitions() == []


@given(st.lists(st.tuples(st.sampled_from(["deliver", "finish", "stale"]), st.integers(0, 30)), max_size=80))
def test_property_the_commit_point_never_passes_an_unfinished_delivered_offset(steps):
    ledger = OffsetLedger()
    ledger.reset(TP, generation=2, committed=0)
    delivered: set[int] = set()  # counted deliveries: at or below the next expected offset
    finished: set[int] = set()
    for action, offset in steps:
        if action == "deliver":
            expected = max(delivered) + 1 if delivered else 0
            if ledger.delivered(TP, offset, 2) is None and offset <= expected:
                delivered.add(offset)
                finished.discard(offset)  # a re-read must be finished again
        elif action == "finish":
            if ledger.finished(TP, offset, 2):
                finished.add(offset)
        else:
            ledger.finished(TP, offset, 1)  # a mark from the previous generation
        point = ledger.commit_point(TP)
        unfinished = delivered - finished
        if unfinished:
            assert point is not None and point <= min(unfinished)
        if point is not None:
            assert point <= (max(delivered) + 1 if delivered else 0)
