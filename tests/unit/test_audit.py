"""The completeness audit's pure core: which uploads have no terminal answer after the grace period."""

from __future__ import annotations

from workers.audit import Answers, UploadSeen, audit

NOW = 1_000_000_000


def seen(offset: int, age_s: float, event_id: str | None = None, partition: int = 0) -> UploadSeen:
    return UploadSeen(partition, offset, NOW - int(age_s * 1000), event_id or f"e{offset}", f"v{offset}")


def test_answered_by_enrichment_or_dead_letter_in_grace_or_named():
    uploads = [seen(0, 900), seen(1, 900), seen(2, 900, event_id=None), seen(3, 30), seen(4, 700),
               seen(5, 1200)]
    uploads[2] = UploadSeen(0, 2, NOW - 900_000, None, None)  # undecodable: answered by its coordinates
    answers = Answers(event_ids=frozenset({"e0"}), dead_lettered_at=frozenset({(0, 1), (0, 2)}))
    report = audit(uploads, answers, NOW, grace_s=600)
    assert report.summary() == {"uploads": 6, "answered": 3, "in_grace": 1, "unanswered": 2, "complete": False}
    assert [(u.offset, u.video_id, u.event_id, u.age_s) for u in report.unanswered] == [
        (5, "v5", "e5", 1200.0), (4, "v4", "e4", 700.0)]


def test_the_window_selects_by_publication_time():
    uploads = [seen(0, 1000), seen(1, 800), seen(2, 700)]
    report = audit(uploads, Answers(), NOW, grace_s=60, since_ms=NOW - 900_000, until_ms=NOW - 750_000)
    assert report.uploads == 1 and [u.offset for u in report.unanswered] == [1]


def test_an_empty_event_id_is_not_answered_by_another_upload_s_empty_id():
    uploads = [UploadSeen(0, i, NOW - 900_000, "", "v") for i in range(2)]
    report = audit(uploads, Answers(event_ids=frozenset({""}), dead_lettered_at=frozenset({(0, 0)})), NOW, 600)
    assert [u.offset for u in report.unanswered] == [1]


def test_nothing_missing_is_complete():
    assert audit([seen(0, 900)], Answers(event_ids=frozenset({"e0"})), NOW, 600).complete
