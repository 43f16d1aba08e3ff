"""The fault campaign names what it lost and keeps the trail of each lost input (no broker needed)."""

from __future__ import annotations

from reliability.delivery import OutputRecord, count_delivery
from reliability.trace import lost_trail, upload_of


def _enriched(upload: str, offset: int) -> OutputRecord:
    return OutputRecord(0, offset, {"upload_event_id": upload, "event_id": f"out-{upload}",
                                    "language": {"language": "en"}, "topics": []})


def test_count_delivery_names_the_lost_inputs() -> None:
    count = count_delivery(["a", "b", "c"], [_enriched("a", 0), _enriched("c", 1), _enriched("c", 2)])
    assert (count.lost, count.lost_ids, count.duplicates_before_dedupe) == (1, ("b",), 1)
    assert count.to_dict()["lost_ids"] == ("b",)


def test_upload_of_reads_enrichments_stage_events_and_dead_letters() -> None:
    assert upload_of({"upload_event_id": "u1", "event_id": "e"}) == "u1"  # enrichment or dead letter
    assert upload_of({"upload": {"event_id": "u2"}, "event_id": "t"}) == "u2"  # a stage event embeds it
    assert upload_of({"upload_event_id": None, "reason": "bad_record"}) is None  # undecodable input's DLQ
    assert upload_of(None) is None


def test_lost_trail_keeps_every_record_naming_a_lost_input_in_order() -> None:
    rows = [
        {"topic": "uploads.transcribed", "partition": 3, "offset": 7, "upload": "lost"},
        {"topic": "uploads.transcribed", "partition": 1, "offset": 2, "upload": "ok"},
        {"topic": "content.enriched", "partition": 1, "offset": 0, "upload": "ok"},
        {"topic": "pipeline.dlq", "partition": 0, "offset": 0, "upload": None},
    ]
    assert lost_trail(rows, ["lost", "never-written"]) == {"lost": [rows[0]], "never-written": []}
