"""Fusion rules: audio vs text, priors, hashtags, and the Avro-shaped records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import fastavro

from workers.language import LanguageDetector, LanguageEvidence
from workers.language.types import LanguageDecision

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
LONG_ID = "Saya merasa sangat cemas setiap malam karena pekerjaan dan keluarga, tidak bisa tidur sama sekali."


def _audio(lang: str, prob: float, *alts: tuple[str, float]) -> dict:
    return {"audio_language": lang, "audio_probability": prob, "audio_alternatives": ((lang, prob), *alts)}


def test_confident_audio_and_text_agree(detector: LanguageDetector) -> None:
    decision = detector.detect(LanguageEvidence(transcript_text=LONG_ID, **_audio("id", 0.95, ("ms", 0.03))))
    assert decision.language == "id"
    assert decision.confidence > 0.9
    assert {"audio", "transcript"} <= set(decision.sources)


def test_confident_audio_beats_a_short_caption(detector: LanguageDetector) -> None:
    decision = detector.detect(LanguageEvidence(caption="ok gracias", **_audio("pt", 0.93, ("es", 0.05))))
    assert decision.language == "pt"
    assert "audio" in decision.sources


def test_confident_text_beats_unsure_audio(detector: LanguageDetector) -> None:
    evidence = LanguageEvidence(transcript_text=LONG_ID, **_audio("ms", 0.45, ("id", 0.40), ("jv", 0.1)))
    decision = detector.detect(evidence)
    assert decision.language == "id"
    assert decision.confidence > 0.9 and "transcript" in decision.sources


def test_disagreement_lowers_confidence(detector: LanguageDetector) -> None:
    text = "Je me sens très anxieux ces derniers temps"
    agree = detector.detect(LanguageEvidence(caption=text, **_audio("fr", 0.8, ("en", 0.1))))
    disagree = detector.detect(LanguageEvidence(caption=text, **_audio("en", 0.8, ("fr", 0.1))))
    assert agree.language == "fr"
    assert disagree.confidence < agree.confidence
    assert {alt.language for alt in disagree.alternatives} & {"fr", "en"}


def test_audio_below_threshold_is_ignored(detector: LanguageDetector) -> None:
    evidence = LanguageEvidence(caption="Bonjour à tous", **_audio("ja", 0.2))
    assert detector.detect(evidence) == detector.detect_text("Bonjour à tous")


def test_audio_alone_decides(detector: LanguageDetector) -> None:
    decision = detector.detect(LanguageEvidence(**_audio("ko", 0.9)))
    assert (decision.language, decision.sources) == ("ko", ("audio",))


def test_region_prior_tips_only_ambiguous_text(detector: LanguageDetector) -> None:
    ambiguous = "saya sangat sedih hari ini"
    assert detector.detect(LanguageEvidence(caption=ambiguous, region="ID")).language == "id"
    malaysia = detector.detect(LanguageEvidence(caption=ambiguous, region="MY"))
    assert malaysia.language == "ms" and "region_prior" in malaysia.sources
    assert detector.detect(LanguageEvidence(caption=LONG_ID, region="MY")).language == "id"


def test_declared_language_is_a_hint(detector: LanguageDetector) -> None:
    hinted = detector.detect(LanguageEvidence(caption="saya sangat sedih hari ini", declared_language="ms"))
    assert hinted.language == "ms" and "declared" in hinted.sources
    assert detector.detect(LanguageEvidence(caption=LONG_ID, declared_language="en")).language == "id"


def test_hashtags_alone_decide_nothing_unless_allowed(detector: LanguageDetector) -> None:
    evidence = LanguageEvidence(hashtags=("kesehatanmental", "SehatJiwa"), region="ID")
    assert detector.detect(evidence) == LanguageDecision.undetermined()
    permissive = LanguageDetector(dataclasses.replace(detector.options, hashtags_alone_decide=True))
    assert permissive.detect(evidence).language == "id"


def test_from_records() -> None:
    upload = {"region": "id", "caption": "Jaga diri #sehat", "hashtags": ["fyp"], "declared_language": "ID"}
    transcript = {
        "text": "halo",
        "language": "jw",
        "language_probability": 0.5,
        "language_alternatives": [{"language": "jw", "probability": 0.5}],
    }
    evidence = LanguageEvidence.from_records(upload, transcript)
    assert (evidence.region, evidence.declared_language, evidence.audio_language) == ("ID", "id", "jv")
    assert evidence.audio_alternatives == (("jv", 0.5),) and evidence.hashtags == ("fyp",)


def test_to_record_matches_the_avro_schema(detector: LanguageDetector) -> None:
    named: dict = {}
    fastavro.parse_schema(json.loads((SCHEMAS / "LanguageScore.avsc").read_text()), named_schemas=named)
    schema = fastavro.parse_schema(json.loads((SCHEMAS / "LanguageDecision.avsc").read_text()), named_schemas=named)
    for decision in (detector.detect_text("Halo semua, apa kabar?"), LanguageDecision.undetermined()):
        record = decision.to_record()
        assert fastavro.validate(record, schema)
        assert isinstance(record["alternatives"], list) and isinstance(record["sources"], list)
