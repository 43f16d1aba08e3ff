"""PSA catalog: choice by country and language with fallback, and validation against ../shared."""

from __future__ import annotations

import re

import pytest
import yaml

from workers.routing import load_psa_catalog
from workers.routing.rules import PSA_TOPICS

COUNTRIES = ("US", "GB", "FR", "JP", "KR", "ID", "MX", "BR")


@pytest.fixture(scope="module")
def catalog():
    return load_psa_catalog()


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("topic", PSA_TOPICS)
def test_every_country_and_sensitive_topic_resolves_in_country(catalog, country, topic):
    choice = catalog.resolve(topic, country, "en")
    assert not choice.is_fallback
    assert choice.resource.source and (
        choice.resource.phone or choice.resource.url or choice.resource.text or choice.resource.name
    )


def test_viewer_language_then_country_language_then_who(catalog):
    assert catalog.resolve("suicide_self_harm", "JP", "en").resource.name.startswith("TELL")
    assert catalog.resolve("suicide_self_harm", "JP", "ja").resource.phone == "0120-279-338"
    assert catalog.resolve("suicide_self_harm", "JP", "id").resource.language == "ja"
    us_es = catalog.resolve("suicide_self_harm", "US", "es")
    assert us_es.resource.phone == "988" and us_es.resource.language == "es"
    fallback = catalog.resolve("suicide_self_harm", "DE", "de")
    assert fallback.is_fallback and "who.int" in fallback.resource.url
    assert catalog.resolve("sexual_reproductive_health", "JP", "ja").is_fallback
    assert catalog.resolve("misinformation_signal", "US", "en") is None


def test_topics_without_a_country_line_use_the_country_general_line(catalog):
    assert catalog.resolve("eating_disorder", "KR", "ko").resource.phone == "1577-0199"


def test_every_entry_has_a_source_and_confidence(catalog):
    for entry in catalog.entries:
        assert entry.resource.source.strip()
        assert entry.resource.confidence in {"high", "medium", "low"}
    assert all(r.source for r in catalog.who.values())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def test_no_number_absent_from_shared_reference(catalog, shared_dir):
    reference = yaml.safe_load((shared_dir / "psa_resources.yaml").read_text(encoding="utf-8"))
    known = set()
    for country in reference["countries"].values():
        for entries in country["topics"].values():
            for entry in entries or ():
                if entry.get("do_not_use"):
                    continue
                known.update(_digits(c["value"]) for c in entry.get("contacts", ()) if _digits(c["value"]))
    for entry in catalog.entries:
        for value in (entry.resource.phone, entry.resource.text):
            if value:
                digits = _digits(value)
                assert any(digits and digits in k for k in known), (entry.ref, value)
