"""Golden cases per language, negation / non-health senses, inflection, CJK, evidence offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.tagging.eval_data import tricky_cases
from workers.errors import InfrastructureError
from workers.tagging import TagInput, TagOptions, load_taxonomy, normalize_field, tag
from workers.tagging.core import select_languages
from workers.tagging.normalize import repair_mojibake
from workers.tagging.taxonomy import build_taxonomy

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
OPTIONS = TagOptions()


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def topics_of(taxonomy, text: str, language: str, **fields) -> set[str]:
    return set(tag(TagInput(caption=text, language=language, **fields), taxonomy, OPTIONS).topic_ids())


GOLDEN = [
    (
        "en",
        "Sharing my eating disorder recovery, one year free from bulimia",
        {"eating_disorder", "mental_health"},
    ),
    ("en", "If you're having suicidal thoughts please reach out", {"suicide_self_harm"}),
    ("id", "Tips menjaga kesehatan mental saat kuliah", {"mental_health"}),
    ("id", "Kenapa aku selalu merasa cemas dan overthinking", {"anxiety"}),
    ("id", "Pencegahan bunuh diri dimulai dari mendengarkan", {"suicide_self_harm"}),
    ("es", "Hablemos de salud mental y ansiedad en adolescentes", {"mental_health", "anxiety"}),
    ("es", "Mi lucha contra la anorexia", {"eating_disorder"}),
    ("pt", "Vacinação contra o sarampo salva vidas", {"vaccines", "infectious_disease"}),
    ("pt", "Como lidar com a depressão no dia a dia", {"depression"}),
    ("fr", "Parlons de santé mentale et de dépression", {"mental_health", "depression"}),
    (
        "fr",
        "Les préservatifs protègent des infections sexuellement transmissibles",
        {"sexual_reproductive_health"},
    ),
    ("ja", "摂食障害の経験について話します", {"eating_disorder"}),
    ("ja", "ワクチン接種の予約をしました", {"vaccines"}),
    ("ko", "우울증이 있는 친구를 돕는 방법", {"depression"}),
    ("ko", "학교폭력 피해 경험을 이야기합니다", {"bullying"}),
]


# Topics as people write them, in the languages each phrase was added for (every case: the topic is tagged).
AS_PEOPLE_WRITE = [
    # "The disease" once named: English has it as a term, so every product language needs its own (SIB-200).
    ("infectious_disease", "en", "Before the troops, Haiti had not encountered problems related to the disease."),
    ("infectious_disease", "id", "Haiti tak menemui kendala terkait penyakit itu sejak era 1800-an."),
    ("infectious_disease", "es", "Haití no había enfrentado problemas asociados a la enfermedad desde el siglo XIX."),
    ("infectious_disease", "pt", "Antes das tropas, o Haiti não tinha problemas relacionados à doença desde 1800."),
    ("infectious_disease", "fr", "Haïti n'avait pas rencontré de problèmes liés à la maladie depuis les années 1800."),
    ("infectious_disease", "ja", "ハイチはこの病気に関係する問題に遭遇したことはありませんでした。"),
    ("infectious_disease", "en", "Only 31% of men wash their hands after using the restroom"),
    ("infectious_disease", "id", "ayo pake double masker, hindari kerumunan, rajin cuci tangan"),
    ("infectious_disease", "es", "El lavado de manos y el distanciamiento social salvan vidas"),
    ("infectious_disease", "ko", "사회적 거리두기와 손 씻기를 지켜 주세요"),
    ("sexual_reproductive_health", "en", "Liggins began to investigate premature labor in his spare time"),
    ("sexual_reproductive_health", "id", "Istri lagi sakit habis melahirkan, doain cepet sembuh"),
    ("sexual_reproductive_health", "ko", "첫째를 38주에 출산해서 둘째도 비슷할 줄 알았는데"),
    ("sexual_reproductive_health", "ja", "ホルモンを投与すると胎児の肺の成熟が早まる"),
    ("nutrition", "en", "I've been on a diet for a month and I'm eating less junk food"),
    ("nutrition", "es", "voy por el segundo día de la dieta y quiero un alfajor"),
    ("nutrition", "pt", "preciso fazer dieta e comer saudável"),
    ("stress", "en", "I'm so stressed at work I can't sleep anymore"),
    ("stress", "id", "capek banget sama kerjaan, tiap hari lembur"),
    ("stress", "en", "I wake up dreading work and I'm scared of losing my job"),
    ("stress", "es", "el estrés laboral me tiene sin dormir"),
    ("stress", "id", "stres kerja terus, beban kerja numpuk"),
    ("nutrition", "en", "any food recommendations for eating better on a budget?"),
    ("depression", "en", "I either feel sad or I feel nothing anymore"),
    ("depression", "es", "en fin la vida es un asco"),
    ("depression", "pt", "não consigo estar bem, nada me faz feliz"),
    ("depression", "id", "aku sudah putus asa sama hidup ini"),
    ("eating_disorder", "en", "I feel like I'm not sick enough to get help"),
    ("eating_disorder", "en", "I wish I could have a normal relationship with food"),
    ("substance_use", "en", "my friend is on day 4 of a bender, how can I help him"),
    ("substance_use", "en", "staying clean is easier when you have goals"),
    ("anxiety", "en", "I start EMDR tomorrow and I'm terrified"),
    ("anxiety", "en", "crowded places make all my symptoms flare"),
    ("self_diagnosis", "en", "I have come to terms with the fact that I must have anxiety"),
    ("bullying", "pt", "ela já tentou suicídio por conta do hate que sempre recebeu"),
    # Self-diagnosis from what one watched, in every product language (teen self-diagnosis, named in Indonesia).
    ("self_diagnosis", "en", "this video made me realize I'm autistic"),
    ("self_diagnosis", "id", "kayaknya aku kena bipolar deh abis nonton tiktok"),
    ("self_diagnosis", "id", "aku ngerasa aku ini ADHD soalnya susah fokus"),
    ("self_diagnosis", "id", "ciri ciri kamu punya anxiety disorder"),
    ("self_diagnosis", "es", "este video me hizo darme cuenta de que soy autista"),
    ("self_diagnosis", "pt", "me autodiagnostiquei com ansiedade pelo TikTok"),
    ("self_diagnosis", "fr", "je pense que j'ai un TDAH après avoir vu ces vidéos"),
    ("self_diagnosis", "fr", "je me suis autodiagnostiqué autiste grâce à TikTok"),
    ("self_diagnosis", "ko", "틱톡 보고 나 ADHD인 것 같아"),
    # Not eating to lose weight, making oneself sick, losing control over eating (the SCOFF questions).
    ("eating_disorder", "en", "3 days of not eating, I need to be thinner"),
    ("eating_disorder", "id", "udah tiga hari gak makan biar kurus"),
    ("eating_disorder", "es", "llevo tres días sin comer para bajar de peso"),
    ("eating_disorder", "pt", "vomito depois de comer para emagrecer"),
    ("eating_disorder", "fr", "je me fais vomir après chaque repas"),
    ("eating_disorder", "ja", "食べた後に吐いてる"),
    ("eating_disorder", "ko", "살 빼려고 삼일째 굶는 중"),
    ("eating_disorder", "ja", "痩せたくて三日間何も食べてない"),
    # Lost interest and hope, a panic attack, a relapse: the English terms' counterparts.
    ("depression", "id", "aku gak bisa bangun dari kasur, gak ada semangat hidup"),
    ("depression", "fr", "plus rien ne me rend heureuse"),
    ("depression", "ja", "何をしても楽しくない"),
    ("depression", "ko", "몇 달째 공허하고 희망이 없어"),
    ("anxiety", "pt", "minhas crises de pânico estão piorando"),
    ("substance_use", "es", "recaí después de tres meses sin beber"),
]


@pytest.mark.parametrize(("topic", "language", "text"), AS_PEOPLE_WRITE)
def test_topics_as_people_write_them(taxonomy, topic, language, text):
    assert topic in topics_of(taxonomy, text, language)


# Passing mentions and idioms that name a topic's word without being about it.
NOT_ABOUT_IT = [
    ("stress", "en", "it was a stressful week but the trip was great"),
    ("substance_use", "en", "spraying alcohol on the skin kills viruses"),
    ("depression", "es", "hablando del universo y que la vida no tiene sentido"),
    ("depression", "id", "Jangan pernah putus asa, Tuhan memberi jalan keluar"),
    ("infectious_disease", "es", "Mi abuela vive con la enfermedad de Alzheimer"),
    ("infectious_disease", "es", "la esclerosis múltiple es la enfermedad neurológica más frecuente"),
]


@pytest.mark.parametrize(("topic", "language", "text"), NOT_ABOUT_IT)
def test_passing_mentions_and_idioms_are_not_the_topic(taxonomy, topic, language, text):
    assert topic not in topics_of(taxonomy, text, language)


@pytest.mark.parametrize(("language", "text", "expected"), GOLDEN)
def test_golden_cases_per_language(taxonomy, language, text, expected):
    assert expected <= topics_of(taxonomy, text, language)


@pytest.mark.parametrize("case", tricky_cases(), ids=lambda c: f"{c['lang']}:{c['text'][:30]}")
def test_tricky_non_health_senses_and_negation(taxonomy, case):
    got = topics_of(taxonomy, case["text"], case["lang"])
    assert set(case["expect"]) <= got
    assert not set(case["forbid"]) & got


@pytest.mark.parametrize(
    ("language", "text", "topic"),
    [
        ("id", "dia sering membully adik kelasnya", "bullying"),  # me- prefix
        ("id", "depresinya makin parah", "depression"),  # -nya suffix
        ("id", "kita harus memvaksinkan anak", "vaccines"),  # me(m)- ... -kan
        ("es", "las vacunas funcionan", "vaccines"),  # plural
        ("pt", "transtornos alimentares em jovens", "eating_disorder"),  # plural phrase
        ("fr", "les dépressions saisonnières", "depression"),  # plural + accents
        ("ko", "우울증으로 힘들어요", "depression"),  # particle attached to the noun
        ("ja", "うつ病の症状", "depression"),  # no spaces
    ],
)
def test_inflection_and_cjk(taxonomy, language, text, topic):
    assert topic in topics_of(taxonomy, text, language)


def test_negation_is_clause_bounded(taxonomy):
    assert "depression" in topics_of(taxonomy, "I'm not okay. I'm so depressed", "en")
    assert "depression" not in topics_of(taxonomy, "I am not depressed", "en")


def test_korean_negation_after_term(taxonomy):
    assert "suicide_self_harm" not in topics_of(taxonomy, "자살하지 않을 거야", "ko")


def test_weak_terms_alone_never_tag(taxonomy):
    assert "depression" not in topics_of(taxonomy, "sad sad sad, crying, so sad and miserable", "en")


def test_evidence_offsets_index_normalized_field(taxonomy):
    caption = "Ｍｙ DEPRESIÓN story"
    result = tag(TagInput(caption=caption, language="es"), taxonomy, OPTIONS)
    evidence = next(t for t in result.topics if t.topic == "depression").evidence[0]
    assert evidence.source == "caption"
    assert normalize_field("caption", caption)[evidence.start : evidence.end] == "depresion"


def _read_as_cp1252(text: str) -> str:
    """``text``'s UTF-8 bytes read as Windows-1252 (the undefined bytes as Latin-1): how mojibake is made."""
    return "".join(bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
                   for b in text.encode("utf-8"))


@pytest.mark.parametrize("text", ["aku beneran bunuh diri🥲", "me sinto tão só 😭😭", "déjà vu ❤️‍🔥 señor"])
def test_mojibake_is_repaired_and_clean_text_left_alone(text):
    broken = _read_as_cp1252(text)
    assert broken != text
    assert repair_mojibake(broken) == text
    assert repair_mojibake(text) == text


def test_a_term_glued_to_mojibake_still_matches(taxonomy):
    caption = _read_as_cp1252("kalo gada kamu aku beneran bunuh diri🥲")
    assert "suicide_self_harm" in topics_of(taxonomy, caption, "id")
    # evidence offsets still index the normalized field
    result = tag(TagInput(caption=caption, language="id"), taxonomy, OPTIONS)
    evidence = next(t for t in result.topics if t.topic == "suicide_self_harm").evidence[0]
    assert normalize_field("caption", caption)[evidence.start : evidence.end] == "bunuh diri"


def test_real_latin_text_that_looks_like_mojibake_is_kept():
    # "Ã©" alone would re-decode to "é", but "ÃO" is no UTF-8 sequence: the text is not re-read at all.
    assert repair_mojibake("SÃO PAULO Ã© LINDA") == "SÃO PAULO Ã© LINDA"


def test_hashtags_match_whole_tags_with_offsets(taxonomy):
    tags = ("#fyp", "#ProAna", "#KesehatanMental", "#GreatDepression")
    result = tag(TagInput(hashtags=tags, language="en"), taxonomy, OPTIONS)
    by_topic = {t.topic: t for t in result.topics}
    assert "eating_disorder" in by_topic and "depression" not in by_topic
    text = normalize_field("hashtags", tags)
    assert {text[e.start : e.end] for e in by_topic["mental_health"].evidence} >= {
        "proana",
        "kesehatanmental",
    }


def test_language_selection(taxonomy):
    assert select_languages(TagInput(language="id"), taxonomy, OPTIONS) == ("en", "id")
    assert select_languages(TagInput(language="es", secondary_language="pt"), taxonomy, OPTIONS) == (
        "en",
        "es",
        "pt",
    )
    assert set(select_languages(TagInput(language="und"), taxonomy, OPTIONS)) == set(taxonomy.languages)
    assert select_languages(TagInput(language="de"), taxonomy, OPTIONS) == ("en",)
    # Indonesian terms are not applied to a Korean upload.
    assert "suicide_self_harm" not in topics_of(taxonomy, "bunuh diri", "ko")


def test_result_mirrors_schema_and_is_sorted(taxonomy):
    result = tag(TagInput(transcript="I want to die", caption="depression is real", language="en"), taxonomy, OPTIONS)
    assert result.taxonomy_version == taxonomy.version
    scores = [t.score for t in result.topics]
    assert scores == sorted(scores, reverse=True)
    for name, record in (
        ("TopicTag", result.topics[0].to_record()),
        ("TopicEvidence", result.topics[0].evidence[0].to_record()),
    ):
        fields = {f["name"] for f in json.loads((SCHEMAS / f"{name}.avsc").read_text())["fields"]}
        assert set(record) == fields


def test_threshold_is_an_option(taxonomy):
    text = "feeling anxious today"
    assert "anxiety" in topics_of(taxonomy, text, "en")
    strict = tag(TagInput(caption=text, language="en"), taxonomy, TagOptions(min_score=0.8))
    assert "anxiety" not in strict.topic_ids()


def test_taxonomy_marks_sensitive_topics(taxonomy):
    assert {"suicide_self_harm", "eating_disorder", "self_diagnosis"} <= taxonomy.sensitive_topics()
    assert set(taxonomy.children("mental_health")) == {
        "depression",
        "anxiety",
        "suicide_self_harm",
        "eating_disorder",
        "self_diagnosis",
        "bullying",
        "stress",
    }


def test_unquoted_yaml_boolean_term_is_refused():
    data = {"version": "t", "tiers": {"strong": 0.9}, "topics": {"x": {"terms": {"en": {"strong": [False]}}}}}
    with pytest.raises(InfrastructureError):
        build_taxonomy(data)


def test_phrasings_make_every_cue_and_object_a_term():
    group = {"tier": "strong", "cues": ["do i have", "i think i have"], "objects": ["adhd", "ptsd"]}
    data = {"version": "t", "tiers": {"strong": 0.9}, "topics": {"sd": {"phrasings": {"en": [group]}}}}
    small = build_taxonomy(data)
    for text in ("do I have ADHD?", "i think i have ptsd", "Do I have PTSD"):
        assert tag(TagInput(caption=text, language="en"), small, OPTIONS).topic_ids() == ("sd",), text
    assert tag(TagInput(caption="I have ADHD", language="en"), small, OPTIONS).topic_ids() == ()
    group["objects"] = ["adhd", True]  # YAML's unquoted yes
    with pytest.raises(InfrastructureError):
        build_taxonomy(data)


def test_topic_sense_blocks_only_its_own_topic():
    data = {
        "version": "t",
        "tiers": {"strong": 0.9, "medium": 0.6},
        "topics": {
            "drugs": {"senses": {"en": ["detox tea"]}, "terms": {"en": {"medium": ["detox"]}}},
            "diet": {"terms": {"en": {"medium": ["detox tea"]}}},
        },
    }
    small = build_taxonomy(data)
    assert set(tag(TagInput(caption="my detox tea", language="en"), small, OPTIONS).topic_ids()) == {"diet"}
    assert "drugs" in tag(TagInput(caption="a week of detox", language="en"), small, OPTIONS).topic_ids()


def test_wellness_detox_hashtags_are_not_substance_use(taxonomy):
    result = tag(
        TagInput(
            transcript="This miracle tea cures cancer in seven days, drink this detox tea instead",
            caption="this changed my life",
            hashtags=("#detox", "#naturalcure", "#DetoxTea"),
            language="en",
        ),
        taxonomy,
        OPTIONS,
    )
    assert "substance_use" not in result.topic_ids()
    assert "misinformation_signal" in result.topic_ids()
    assert "substance_use" in topics_of(taxonomy, "", "en", hashtags=("#alcoholdetox",))


def test_names_are_not_eating_disorder_code_words(taxonomy):
    assert "eating_disorder" not in topics_of(taxonomy, "", "es", hashtags=("#ana", "#mia", "#miami"))
    assert "eating_disorder" in topics_of(taxonomy, "", "en", hashtags=("#proana",))


def test_kms_alone_is_a_mention_without_a_help_line(taxonomy):
    # "kms" is often a meme: it tags the topic (medium) but is no current risk and stays below the PSA score.
    result = tag(TagInput(caption="monday again", hashtags=("#kms", "#funny"), language="en"), taxonomy, TagOptions())
    suicide = next(t for t in result.topics if t.topic == "suicide_self_harm")
    assert suicide.score < 0.75 and result.risk == "mention"
    assert "suicide_self_harm" in topics_of(taxonomy, "i want to die", "en", hashtags=("#kms",))


def test_literal_gate_never_hides_a_term(taxonomy):
    # The gate may only skip topics that cannot match: every term, written in a sentence, keeps its topic.
    for language, matcher in taxonomy.matchers.items():
        for topic_matcher in matcher.topics:
            for hits in topic_matcher.hits.values():
                for hit in hits:
                    text = normalize_field("caption", f"so {hit.term.rstrip('*')} today")
                    candidates = {t.topic for t in matcher.candidate_topics(text)}
                    assert hit.topic in candidates, (language, hit.term)


def test_literal_gate_skips_text_without_health_literals(taxonomy):
    # ("leaves" would pass the gate: "leave" is the literal of "leave this world")
    assert taxonomy.matchers["en"].candidate_topics("the train departs at noon from the station") == ()
    assert {t.topic for t in taxonomy.matchers["en"].candidate_topics("i feel so depressed")} >= {"depression"}


def test_gate_reports_every_overlapping_literal():
    from workers.tagging.taxonomy import literal_gate

    gate = literal_gate([("abc", "x"), ("bcd", "y"), ("ab", "z")])
    assert gate is not None
    assert gate.topics_in("zabcd") == {"x", "y", "z"}  # "ab" stands for "abc" too; "bcd" overlaps it
    assert gate.topics_in("zbc") == frozenset()
    assert literal_gate([("", "x")]) is None  # a term without a literal: nothing can be ruled out


# A long post that names stress once, in passing, is about something else (taxonomy `passing_mention`).
LONG_POST = (
    "My brother and I finally finished renovating the old garage into a workshop this summer. We replaced the "
    "roof, poured a new floor, rewired the lights and built two benches along the back wall. The hardest part "
    "was the stress of moving all the tools out while the concrete cured, but the neighbours lent us their "
    "shed. Next we want to add a wood stove, shelves for the lumber and a small window facing the garden so "
    "the room gets some light in the afternoon when we are working on furniture for the house."
)


def test_one_passing_mention_in_a_long_post_is_not_its_topic(taxonomy):
    assert len(LONG_POST.split()) >= OPTIONS.passing_mention_min_words
    assert "stress" not in topics_of(taxonomy, LONG_POST, "en")
    # Named twice, the post is about it; a hashtag is the creator saying so; a caption is short.
    assert "stress" in topics_of(taxonomy, LONG_POST + " The stress is real.", "en")
    assert "stress" in topics_of(taxonomy, LONG_POST, "en", hashtags=("#stress",))
    assert "stress" in topics_of(taxonomy, "the stress of moving all the tools out", "en")


def test_passing_mention_spares_crisis_and_mental_health_topics(taxonomy):
    # Only everyday words are marked: a single crisis or depression term in a long post still counts.
    assert taxonomy.passing_mention_topics == {"stress", "infectious_disease"}
    assert "depression" in topics_of(taxonomy, LONG_POST.replace("stress", "depression"), "en")


def test_post_traumatic_stress_is_not_stress(taxonomy):
    assert "stress" not in topics_of(taxonomy, "living with post traumatic stress disorder", "en")
    assert "stress" not in topics_of(taxonomy, "trastorno de estrés postraumático", "es")
