"""Risk level "current": the crisis line comes first, whatever the topic scores; old records read as "none"."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.contracts.schemas import load_schema_set
from workers.contracts.serde import AvroSerde
from workers.routing import RouteInput, RouteOptions, load_psa_catalog, route
from workers.tagging import TopicEvidence, TopicTag

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
CATALOG = load_psa_catalog()


def inp(*pairs: tuple[str, float], risk: str = "none", region: str = "BR", language: str = "pt") -> RouteInput:
    tags = tuple(TopicTag(t, s, (TopicEvidence("learned", 0, 4, "learned signal"),)) for t, s in pairs)
    return RouteInput("v1", "c1", region, language, tags, risk)


def test_current_risk_shows_the_crisis_line_first_even_below_the_psa_score():
    decision = route(inp(("eating_disorder", 0.95), ("suicide_self_harm", 0.55), risk="current"), None, CATALOG,
                     RouteOptions())
    assert [p.topic for p in decision.psas] == ["suicide_self_harm"]
    assert decision.psas[0].resource.language == "pt"


def test_a_mention_keeps_the_score_rule():
    decision = route(inp(("eating_disorder", 0.95), ("suicide_self_harm", 0.55), risk="mention"), None, CATALOG,
                     RouteOptions())
    assert [p.topic for p in decision.psas] == ["eating_disorder"]


@pytest.mark.parametrize("region", ["US", "GB", "FR", "JP", "KR", "ID", "MX", "BR"])
def test_every_product_region_has_a_crisis_line_from_the_catalogue(region):
    decision = route(inp(("suicide_self_harm", 0.55), risk="current", region=region), None, CATALOG, RouteOptions())
    assert decision.psas and decision.psas[0].topic == "suicide_self_harm"


def test_the_old_tagged_event_schema_stays_readable_and_risk_defaults_to_none():
    schemas = load_schema_set(SCHEMAS)
    assert 4 in schemas.history and schemas.ids["TaggedEvent"] != 4
    assert AvroSerde(schemas)._writer_schema(4) is schemas.history[4]  # records framed with id 4 decode
    risk = next(f for f in schemas.raw["TaggedEvent"]["fields"] if f["name"] == "risk")
    assert risk["default"] == "none"
    assert "risk" not in {f["name"] for f in schemas.history[4]["fields"]}
