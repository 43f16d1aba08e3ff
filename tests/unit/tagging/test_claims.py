"""Known false health claims: the catalogue, the matcher, the tag-core hook, the ReviewEvent fields, routing."""

from __future__ import annotations

import io
import json
import struct

import fastavro
import pytest

from workers.agents.route import route_input
from workers.contracts import AvroSerde, load_schema_set
from workers.routing import RouteInput, RouteOptions, load_psa_catalog, route
from workers.settings import REPO_ROOT
from workers.tagging.claims import CLAIM_SOURCE, ClaimMatcher, load_catalog, load_matcher, sentence_spans
from workers.tagging.core import learned_text, tag
from workers.tagging.taxonomy import load_taxonomy
from workers.tagging.types import TagInput, TagOptions

WORDS = load_matcher(None)  # words only: no model, fast
LANGS = {"en": ("en",), "es": ("en", "es"), "pt": ("en", "pt"), "fr": ("en", "fr"), "id": ("en", "id"),
         "ja": ("en", "ja"), "ko": ("en", "ko")}


def claims_in(text: str, language: str, matcher: ClaimMatcher = WORDS) -> set[str]:
    return {m.claim_id for m in matcher.match(text, LANGS[language], language)}


def test_catalogue_loads_with_unique_ids_and_a_source_or_an_explicit_null():
    catalog = load_catalog()
    assert len(catalog.claims) >= 30
    assert len({c.claim_id for c in catalog.claims}) == len(catalog.claims)
    for claim in catalog.claims:
        assert claim.statement and claim.fact and claim.groups
        assert claim.source is None or (claim.source.organisation and claim.source.title)


ASSERTED = [
    ("en", "Antibiotics kill the coronavirus, my doctor told me.", "covid.antibiotics"),
    ("es", "Los antibióticos matan el coronavirus.", "covid.antibiotics"),
    ("pt", "Antibióticos matam o coronavírus.", "covid.antibiotics"),
    ("fr", "Les antibiotiques tuent le coronavirus.", "covid.antibiotics"),
    ("id", "Antibiotik ampuh membunuh virus corona.", "covid.antibiotics"),
    ("ja", "抗生物質でコロナが治る", "covid.antibiotics"),
    ("ko", "항생제로 코로나 치료 가능", "covid.antibiotics"),
    ("en", "The covid vaccine contains a microchip so they can track you", "vaccine.microchip"),
    ("id", "vaksin covid bikin mandul, hati hati", "vaccine.infertility"),
    ("es", "la vacuna tiene un chip para controlarte", "vaccine.microchip"),
    ("pt", "a vacina altera o seu DNA", "vaccine.dna_change"),
    ("ja", "ワクチンで遺伝子が書き換えられる", "vaccine.dna_change"),
    ("ko", "백신이 자폐를 일으킨다", "vaccine.autism"),
    ("en", "5G towers are spreading the virus", "covid.5g"),
    ("en", "Baking soda and lemon cure cancer naturally", "cancer.miracle_cure"),
    ("en", "Mosquito bites can spread the coronavirus", "covid.mosquito_housefly"),
    ("id", "nyamuk bisa menularkan virus corona", "covid.mosquito_housefly"),
    ("en", "Hold your breath for 10 seconds to check if you are infected with the coronavirus",
     "covid.hold_breath_test"),
    ("es", "Lavarse la nariz con solución salina previene el coronavirus", "covid.saline_rinse"),
    ("pt", "Luz UV nas mãos mata o coronavírus", "covid.uv_lamp_skin"),
    ("fr", "La cocaïne protège du coronavirus", "covid.cocaine"),
    ("en", "Drink water every 15 minutes so the virus is washed down into your stomach where the acid kills it",
     "covid.water_flush"),
    ("id", "minum air setiap 15 menit supaya virus corona masuk ke lambung", "covid.water_flush"),
    ("es", "los niños son inmunes al coronavirus", "covid.young_people_immune"),
    ("en", "Kids can't catch covid, send them back to school", "covid.young_people_immune"),
    ("en", "After my covid vaccine a magnet sticks to my arm", "vaccine.magnetic"),
    ("ja", "ワクチンを打ったら腕に磁石がくっつく", "vaccine.magnetic"),
    ("id", "vaksin covid mengandung babi, haram", "vaccine.forbidden_ingredients"),
    ("en", "The covid vaccine contains aborted fetal cells", "vaccine.forbidden_ingredients"),
    ("en", "COVID-19 is fake", "covid.denial"),
    ("es", "el covid no existe, es una farsa", "covid.denial"),
    ("id", "corona cuma konspirasi elit global", "covid.denial"),
]


@pytest.mark.parametrize(("language", "text", "claim_id"), ASSERTED, ids=[f"{a[0]}-{a[2]}" for a in ASSERTED])
def test_an_asserted_false_claim_is_matched_in_its_language(language, text, claim_id):
    assert claim_id in claims_in(text, language)


NOT_ASSERTED = [
    ("en", "No, antibiotics do not kill the coronavirus."),
    ("en", "Myth: antibiotics kill the coronavirus. Fact: they only work on bacteria."),
    ("en", "Fact check: hand dryers kill the coronavirus? False."),
    ("en", "Are antibiotics effective in treating the new coronavirus?"),
    ("en", "A viral video claiming hydroxychloroquine cures COVID-19 was removed."),
    ("es", "Es un bulo: los antibióticos no matan el coronavirus."),
    ("es", "Falso: la vacuna no tiene un chip."),
    ("pt", "É falso que a vacina altera o seu DNA."),
    ("pt", "Mito: antibióticos matam o coronavírus."),
    ("fr", "C'est faux : les antibiotiques ne tuent pas le coronavirus."),
    ("id", "Hoaks! vaksin covid bikin mandul."),
    ("id", "vaksin tidak menyebabkan autisme"),
    ("ja", "抗生物質でコロナが治るというのはデマです"),
    ("ko", "백신이 자폐를 일으킨다는 것은 가짜뉴스"),
    ("en", "Myth: mosquito bites spread the coronavirus. There is no evidence that they do."),
    ("id", "vaksin sinovac halal dan tidak mengandung babi"),
    ("en", "Fact check: No, the covid vaccine does not make you magnetic"),
    ("en", "Are children immune to covid?"),
    ("en", "Covid is not a hoax, people are dying"),
    ("en", "Saying covid vaccines cause autism is a hoax"),
]


@pytest.mark.parametrize(("language", "text"), NOT_ASSERTED, ids=[f"{a[0]}-{i}" for i, a in enumerate(NOT_ASSERTED)])
def test_a_denial_debunk_report_or_question_is_not_matched(language, text):
    assert claims_in(text, language) == set()


TRUE_STATEMENTS = [
    ("en", "Wash your hands with soap and water for 20 seconds to protect yourself from the coronavirus."),
    ("en", "Antibiotics treat bacterial infections such as strep throat."),
    ("en", "I got my covid vaccine today, my arm is a bit sore."),
    ("en", "I'm going to drink some water and go to bed."),
    ("en", "Mosquitoes spread dengue and malaria, so use a net at night."),
    ("en", "Rinse your nose with saline when you have a cold, it helps with congestion."),
    ("es", "La vacuna contra el covid reduce el riesgo de enfermedad grave."),
    ("id", "akhirnya dapet vaksin kedua, semoga sehat selalu"),
    ("ja", "ワクチンを打ってきた。腕が少し痛い"),
    ("ko", "오늘 백신 맞았어요"),
    ("en", "The vaccine helps kids become immune to covid"),
    ("en", "Drink water and rest if you have covid, it helps your body recover"),
    ("en", "Most children infected with covid have mild symptoms."),
    ("en", "There is no cure for covid yet"),
    ("es", "no existe cura para el covid"),
]


@pytest.mark.parametrize(("language", "text"), TRUE_STATEMENTS,
                         ids=[f"{a[0]}-{i}" for i, a in enumerate(TRUE_STATEMENTS)])
def test_a_true_statement_is_not_matched(language, text):
    assert claims_in(text, language) == set()


def test_sentences_split_at_stops_cjk_stops_and_lines():
    text = "Hi all. Garlic cures covid!\nSecond line。次の文"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["Hi all.", "Garlic cures covid!", "Second line。", "次の文"]


def test_only_the_asserting_sentence_of_a_longer_text_matches_and_its_offsets_point_at_it():
    text = "Honestly, eating garlic cures covid, trust me. People say hand dryers kill the virus, that is a myth."
    matches = WORDS.match(text, ("en",), "en")
    assert [m.claim_id for m in matches] == ["covid.food_remedy"]
    assert text[matches[0].start : matches[0].end] == "Honestly, eating garlic cures covid, trust me."


def test_the_tag_core_turns_a_claim_into_misinformation_evidence_with_the_claim_and_its_sentence():
    fields = TagInput(transcript="ok guys listen. Antibiotics kill the coronavirus, I swear.", caption="#health",
                      language="en")
    result = tag(fields, load_taxonomy(), TagOptions(use_learned_signal=False), claims=WORDS)
    topic = next(t for t in result.topics if t.topic == "misinformation_signal")
    evidence = [e for e in topic.evidence if e.source == CLAIM_SOURCE]
    assert [e.term for e in evidence] == ["covid.antibiotics"]
    assert learned_text(fields)[evidence[0].start : evidence[0].end] == "Antibiotics kill the coronavirus, I swear."
    assert topic.score >= RouteOptions().review_min_score


def test_without_a_matcher_the_tag_core_is_unchanged():
    fields = TagInput(caption="Antibiotics kill the coronavirus", language="en")
    assert "misinformation_signal" not in tag(fields, load_taxonomy(), TagOptions(use_learned_signal=False)).topic_ids()


def _tagged_event(text: str, topics: list[dict]) -> dict:
    upload = dict(event_id="e1", video_id="v1", creator_id="c9", uploaded_at=1, region="US", audio_uri=None,
                  duration_ms=None, caption="", hashtags=["health"], declared_language="en")
    transcript = {"text": text}
    return {"upload": upload, "transcript": transcript, "language": {"language": "en"}, "topics": topics,
            "taxonomy_version": "t", "timings": [], "risk": "none"}


def test_the_route_stage_fills_the_claim_its_sentence_and_its_refuting_source():
    text = "hello. Antibiotics kill the coronavirus, I swear."
    fields = TagInput(transcript=text, hashtags=("health",), language="en")
    result = tag(fields, load_taxonomy(), TagOptions(use_learned_signal=False), claims=WORDS)
    event = _tagged_event(text, [t.to_record() for t in result.topics])
    decision = route(route_input(event), None, load_psa_catalog(), RouteOptions())
    (review,) = decision.reviews
    (claim,) = review.claims
    assert claim.claim_id == "covid.antibiotics"
    assert claim.sentence == "Antibiotics kill the coronavirus, I swear."
    assert claim.source_organisation == "World Health Organization"
    assert claim.source_url and claim.source_url.startswith("https://www.who.int/")
    assert claim.statement and claim.fact


def test_a_review_without_claim_evidence_carries_no_claims():
    tags = tuple(route_input(_tagged_event("x", [{"topic": "misinformation_signal", "score": 0.9, "evidence": [
        {"source": "caption", "start": 0, "end": 4, "term": "plandemic"}]}])).topics)
    decision = route(RouteInput("v1", "c9", "US", "en", tags), None, load_psa_catalog(), RouteOptions())
    assert decision.reviews[0].claims == ()


@pytest.fixture(scope="module")
def serde() -> AvroSerde:
    return AvroSerde(load_schema_set(REPO_ROOT / "schemas"))


def _review_record() -> dict:
    text = "Antibiotics kill the coronavirus."
    result = tag(TagInput(transcript=text, language="en"), load_taxonomy(), TagOptions(use_learned_signal=False),
                 claims=WORDS)
    decision = route(route_input(_tagged_event(text, [t.to_record() for t in result.topics])), None,
                     load_psa_catalog(), RouteOptions())
    return decision.reviews[0].to_record(event_id="r1", enrichment_event_id="n1", created_at=1_700_000_000_000)


def test_review_event_round_trip_keeps_the_claims(serde):
    record = _review_record()
    decoded = serde.decode("ReviewEvent", serde.encode("ReviewEvent", record))
    assert decoded["claims"] == record["claims"] and decoded["claims"][0]["claim_id"] == "covid.antibiotics"


def test_review_events_written_before_the_claims_field_read_with_no_claims(serde):
    old_schema = fastavro.parse_schema(json.loads((REPO_ROOT / "schemas/history/8.avsc").read_text()), named_schemas={})
    record = {k: v for k, v in _review_record().items() if k != "claims"}
    buf = io.BytesIO()
    buf.write(struct.pack(">bI", 0, 8))
    fastavro.schemaless_writer(buf, old_schema, record)
    decoded = serde.decode("ReviewEvent", buf.getvalue())
    assert decoded["claims"] == [] and decoded["reason"] == record["reason"]


def test_review_event_has_a_new_schema_id_and_keeps_the_old_one_readable():
    schemas = load_schema_set(REPO_ROOT / "schemas")
    assert schemas.ids["ReviewEvent"] != 8 and 8 in schemas.history
    assert schemas.ids["ReviewEvent"] not in schemas.history


@pytest.fixture(scope="module")
def encoder_matcher() -> ClaimMatcher:
    from workers.errors import InfrastructureError
    from workers.tagging import encoder

    factory = getattr(encoder, "MultilingualEncoder", None)
    if factory is None:
        pytest.skip("no multilingual encoder in workers.tagging.encoder")
    try:
        return load_matcher(factory(threads=1))
    except InfrastructureError as exc:
        pytest.skip(f"multilingual encoder not installed: {exc}")


def test_with_the_encoder_a_claim_missing_one_word_group_is_matched_by_meaning(encoder_matcher):
    # "acaban con" is no word of the claim's "kills, cures" group: the similarity (0.91) completes it.
    text = "Los antibióticos acaban con el coronavirus"
    assert claims_in(text, "es") == set()
    assert claims_in(text, "es", encoder_matcher) == {"covid.antibiotics"}


def test_with_the_encoder_debunks_and_true_statements_stay_unmatched(encoder_matcher):
    for language, text in NOT_ASSERTED + TRUE_STATEMENTS:
        assert claims_in(text, language, encoder_matcher) == set(), text
