"""Fides registry changes take effect without a restart: join → boost; leave (tombstone) → no boost."""

from __future__ import annotations

import time

from tests.integration.helpers import collect, create_topics
from workers.publisher import UploadPublisher, new_upload

CAPTION = "The measles vaccine is safe and protects your children #vaccines"


def creator(action: str) -> dict:
    return {"creator_id": "fides-1", "action": action, "display_name": "Dr. A", "organization": "Fides",
            "specialties": [], "countries": ["US"], "updated_at": int(time.time() * 1000)}


def test_registry_changes_apply_without_restart(settings_factory, worker_factory):
    settings = settings_factory()
    create_topics(settings)
    worker = worker_factory(settings)
    worker.wait_ready()
    with UploadPublisher(settings) as publisher:
        publisher.publish_creator(creator("join"), "fides-1")
        publisher.flush()
        time.sleep(2)  # the registry agent folds the join into the table
        publisher.publish(new_upload(video_id="v-joined", creator_id="fides-1", region="US", caption=CAPTION))
    out = collect(settings, ["content.enriched", "ranking.boost"],
                  lambda f: f["content.enriched"] and f["ranking.boost"], timeout_s=90)
    (enriched,) = out["content.enriched"]
    assert enriched["is_fides_creator"] is True
    (boost,) = out["ranking.boost"]
    assert boost["video_id"] == "v-joined" and boost["factor"] > 1 and "vaccines" in boost["topics"]

    with UploadPublisher(settings) as publisher:
        publisher.publish_creator(None, "fides-1")  # tombstone = leave
        publisher.flush()
        time.sleep(2)
        publisher.publish(new_upload(video_id="v-left", creator_id="fides-1", region="US", caption=CAPTION))
    out = collect(settings, ["content.enriched", "ranking.boost"],
                  lambda f: len(f["content.enriched"]) >= 2 and f["ranking.boost"], timeout_s=90)
    after = {e["video_id"]: e for e in out["content.enriched"]}["v-left"]
    assert after["is_fides_creator"] is False
    assert [b["video_id"] for b in out["ranking.boost"]] == ["v-joined"]
