"""The completeness audit on a real broker: none missing while every upload is answered (enriched or
dead-lettered), and an upload nobody processed is named with its partition and offset, exit 1."""

from __future__ import annotations

import json

from tests.integration.helpers import collect, create_topics, send_raw
from workers.cli import main
from workers.publisher import UploadPublisher, new_upload
from workers.runtime import Runtime


def audit(monkeypatch, capsys, settings, *args: str) -> tuple[int, list[dict]]:
    for key, value in settings.to_env().items():
        monkeypatch.setenv(key, value)
    code = main(["audit", "--timeout", "3", *args])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_audit_names_an_unanswered_upload_and_nothing_else(settings_factory, worker_factory, monkeypatch,
                                                               capsys):
    settings = settings_factory()
    create_topics(settings)
    uploads = [new_upload(video_id=f"v{i}", creator_id=f"c{i}", region="ID", caption="halo") for i in range(3)]
    with UploadPublisher(settings) as publisher:
        for upload in uploads:
            publisher.publish(upload)
    broken = new_upload(video_id="v-zz", creator_id="c", region="zz")  # skips the publisher's checks
    send_raw(settings, "uploads.new", b"v-zz", Runtime.create(settings).serde.encode("UploadEvent", broken))
    send_raw(settings, "uploads.new", b"v-garbage", b"garbage")  # undecodable: answered by its coordinates
    worker = worker_factory(settings)
    worker.wait_ready()
    out = collect(settings, ["content.enriched", "pipeline.dlq"],
                  lambda f: len(f["content.enriched"]) >= 3 and len(f["pipeline.dlq"]) >= 2, timeout_s=120)
    assert {d["reason"] for d in out["pipeline.dlq"]} == {"invalid_event", "bad_record"}

    code, lines = audit(monkeypatch, capsys, settings, "--grace", "0")
    assert code == 0 and lines[0]["audit"] == {"uploads": 5, "answered": 5, "in_grace": 0, "unanswered": 0,
                                               "complete": True}

    worker.stop()  # from here nothing answers: the next upload is dropped
    dropped = new_upload(video_id="v-dropped", creator_id="c", region="ID", caption="tolong")
    with UploadPublisher(settings) as publisher:
        publisher.publish(dropped).get(timeout=30)

    code, lines = audit(monkeypatch, capsys, settings, "--grace", "0")
    assert code == 1 and lines[0]["audit"]["unanswered"] == 1 and lines[0]["audit"]["answered"] == 5
    (missing,) = [line["unanswered"] for line in lines[1:]]
    assert (missing["video_id"], missing["event_id"]) == ("v-dropped", dropped["event_id"])
    assert missing["partition"] >= 0 and missing["offset"] >= 0 and missing["age_s"] >= 0

    code, lines = audit(monkeypatch, capsys, settings, "--grace", "3600")  # still within its grace period
    assert code == 0 and lines[0]["audit"]["in_grace"] == 1
