"""Table-driven routing rules, and the never-boost-non-Fides invariant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.routing import RULES, FidesCreatorInfo, RouteInput, RouteOptions, Rule, load_psa_catalog, route
from workers.routing.rules import HEALTH_TOPICS, PSA_TOPICS, Action, Creator
from workers.tagging import TopicEvidence, TopicTag, load_taxonomy

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
OPTIONS = RouteOptions()
FIDES = FidesCreatorInfo("c1", "Dr. A", "WHO", (), ("ID",))
CATALOG = load_psa_catalog()


def tags(*pairs: tuple[str, float]) -> tuple[TopicTag, ...]:
    return tuple(TopicTag(t, s, (TopicEvidence("caption", 0, 4, t),)) for t, s in pairs)


def inp(*pairs: tuple[str, float], region: str = "ID", language: str = "id") -> RouteInput:
    return RouteInput("v1", "c1", region, language, tags(*pairs))


# (case id, topics, creator, expected rule ids that fire)
CASES = [
    ("fides health topic boosts", [("nutrition", 0.9)], FIDES, {"boost.fides_health_content"}),
    ("non-fides health topic: nothing", [("nutrition", 0.9)], None, set()),
    ("below boost threshold", [("nutrition", 0.5)], FIDES, set()),
    ("sensitive topic PSA for non-fides", [("suicide_self_harm", 0.9)], None, {"psa.sensitive_topic"}),
    (
        "sensitive topic PSA and boost for fides",
        [("eating_disorder", 0.9)],
        FIDES,
        {"psa.sensitive_topic", "boost.fides_health_content"},
    ),
    ("one medium term is not enough for a PSA", [("suicide_self_harm", 0.6)], None, set()),
    ("non-sensitive topic: no PSA", [("anxiety", 0.9)], None, set()),
    (
        "misinformation non-fides: review",
        [("misinformation_signal", 0.9)],
        None,
        {"review.misinformation_non_fides"},
    ),
    ("misinformation fides: no review, no boost", [("misinformation_signal", 0.9)], FIDES, set()),
]


@pytest.mark.parametrize(("topics", "creator", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_fires_or_not(topics, creator, expected):
    decision = route(inp(*topics), creator, CATALOG, OPTIONS)
    fired = {d.rule_id for d in (*decision.boosts, *decision.psas, *decision.reviews)}
    assert fired == expected


def test_specialties_limit_boosted_topics():
    creator = FidesCreatorInfo("c1", specialties=("nutrition",))
    decision = route(inp(("nutrition", 0.9), ("vaccines", 0.9)), creator, CATALOG, OPTIONS)
    assert decision.boosts[0].topics == ("nutrition",)
    assert route(inp(("vaccines", 0.9)), creator, CATALOG, OPTIONS).boosts == ()


def test_one_psa_most_severe_first():
    decision = route(inp(("depression", 0.95), ("suicide_self_harm", 0.9)), None, CATALOG, OPTIONS)
    assert [p.topic for p in decision.psas] == ["suicide_self_harm"]
    two = route(
        inp(("depression", 0.95), ("suicide_self_harm", 0.9)), None, CATALOG, RouteOptions(max_psas=2)
    )
    assert [p.topic for p in two.psas] == ["suicide_self_harm", "depression"]


def test_boost_rule_row_for_non_fides_is_refused():
    with pytest.raises(ValueError):
        Rule("bad", Action.BOOST, Creator.ANY, frozenset({"nutrition"}), "x")


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(HEALTH_TOPICS | {"misinformation_signal"})), st.floats(0, 1)),
        max_size=6,
    )
)
def test_never_boost_non_fides(pairs):
    assert route(inp(*pairs), None, CATALOG, OPTIONS).boosts == ()


def test_psa_topics_are_the_taxonomy_sensitive_topics():
    assert set(PSA_TOPICS) == load_taxonomy().sensitive_topics()
    assert {r.rule_id for r in RULES} == {
        "boost.fides_health_content",
        "psa.sensitive_topic",
        "review.misinformation_non_fides",
    }


def _fields(name: str) -> set[str]:
    return {f["name"] for f in json.loads((SCHEMAS / f"{name}.avsc").read_text())["fields"]}


def test_decisions_mirror_schemas():
    ids = {"event_id": "e", "enrichment_event_id": "x", "created_at": 1}
    decision = route(inp(("suicide_self_harm", 0.9), ("misinformation_signal", 0.9)), None, CATALOG, OPTIONS)
    boost = route(inp(("nutrition", 0.9)), FIDES, CATALOG, OPTIONS).boosts[0]
    assert set(boost.to_record(**ids)) == _fields("BoostEvent")
    psa = decision.psas[0].to_record(**ids)
    assert set(psa) == _fields("PsaEvent")
    psa_resource = next(
        f for f in json.loads((SCHEMAS / "PsaEvent.avsc").read_text())["fields"] if f["name"] == "resource"
    )
    assert set(psa["resource"]) == {f["name"] for f in psa_resource["type"]["fields"]}
    assert set(decision.reviews[0].to_record(**ids)) == _fields("ReviewEvent")


def test_health_topics_are_the_taxonomy_topics_except_the_misinformation_signal():
    # the rule table restates the taxonomy's ids for readability; this keeps the two from drifting apart
    assert HEALTH_TOPICS == set(load_taxonomy().topics) - {"misinformation_signal"}
