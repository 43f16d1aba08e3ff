"""topics.yaml is valid against the schemas and says what the design promises."""

from __future__ import annotations

from workers.contracts import load_schema_set, load_topic_catalog
from workers.contracts.topics import validate_catalog
from workers.settings import REPO_ROOT


def catalog():
    return load_topic_catalog(REPO_ROOT / "topics.yaml")


def test_catalog_is_valid_against_the_schemas():
    assert validate_catalog(catalog(), load_schema_set(REPO_ROOT / "schemas")) == []


def test_every_pipeline_topic_is_keyed_by_video_id():
    for spec in catalog():
        if spec.name.startswith(("uploads.", "content.", "ranking.", "psa.")):
            assert spec.key == "video_id", spec.name


def test_creator_registry_is_compacted_and_only_it():
    compacted = [spec.name for spec in catalog() if spec.compacted]
    assert compacted == ["fides.creators"]


def test_stages_chain_from_uploads_to_outputs():
    topics = catalog()
    chain = ["transcribe", "language", "tag", "route"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert {t.name for t in topics.produced_by(before)} & {t.name for t in topics.consumed_by(after)}
    assert {t.name for t in topics.produced_by("route")} >= {"content.enriched", "ranking.boost", "psa.attach"}


def test_a_broken_catalog_is_reported(tmp_path):
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics:\n  x:\n    key: video_id\n    value_schema: Nope\n    partitions: 0\n")
    problems = validate_catalog(load_topic_catalog(bad), load_schema_set(REPO_ROOT / "schemas"))
    assert any("Nope" in p for p in problems) and any("partitions" in p for p in problems)
    assert any("producers" in p for p in problems)
