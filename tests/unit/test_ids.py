"""Output ids are a pure function of input id, stage and version: replays collide, versions do not."""

from workers.ids import dead_letter_id, derive_event_id


def test_same_input_same_stage_same_version_same_id():
    assert derive_event_id("e1", "route", "tax-1") == derive_event_id("e1", "route", "tax-1")


def test_any_change_changes_the_id():
    base = derive_event_id("e1", "route", "tax-1")
    assert len({base, derive_event_id("e2", "route", "tax-1"), derive_event_id("e1", "tag", "tax-1"),
                derive_event_id("e1", "route", "tax-2"), derive_event_id("e1", "route", "tax-1", "psa")}) == 5


def test_dead_letter_ids_separate_partition_and_offset():
    assert dead_letter_id("t", 1, 23, "s") != dead_letter_id("t", 12, 3, "s")
