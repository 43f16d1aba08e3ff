"""The pure cores under hostile text: language and tagging never raise and always answer validly;
the publisher's validation raises only InvalidEventError."""

from __future__ import annotations

import math

import fastavro
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.fuzz.fuzzing import fuzz_settings
from workers.errors import InvalidEventError
from workers.language.types import LanguageEvidence
from workers.publisher import validate_upload
from workers.tagging import TagInput, normalize_field, tag

pytestmark = pytest.mark.fuzz

# Mixed scripts, emoji, control characters, combining marks, RTL marks, surrogate-free astral planes.
HOSTILE_ALPHABET = st.characters(codec="utf-8", categories=None)
SNIPPETS = st.sampled_from(
    [
        "anxiety",
        "kesehatan mental",
        "depresión",
        "ansiedade",
        "不安",
        "우울증",
        "vacina",
        "\u200f",
        "\u0000",
        "🙂🔥",
        "#mentalhealth",
        "e\u0301",
        "ﬁ",
        "İ",
        "ß",
        "\ufeff",
        " " * 50,
        "not not not",
        "no es",
    ]
)
TEXT = st.one_of(
    st.text(HOSTILE_ALPHABET, max_size=300),
    st.lists(st.one_of(SNIPPETS, st.text(HOSTILE_ALPHABET, max_size=12)), max_size=40).map(" ".join),
)
HUGE_TEXT = st.builds(lambda s, n: s * n, st.text(HOSTILE_ALPHABET, min_size=1, max_size=20), st.integers(1, 5000))
LANGS = st.one_of(
    st.sampled_from(["en", "id", "es", "pt", "fr", "ja", "ko", "und", "zh-cn", "ms"]), st.text(max_size=6)
)
# Whisper's language tokens: what the transcribe stage can put into a TranscriptEvent.
WHISPER_LANGS = st.sampled_from(["en", "id", "es", "pt", "fr", "ja", "ko", "ms", "jw", "haw", "yue", "zh", "ar"])
PROBABILITIES = st.floats(0, 1)


def _check_decision(decision, fuzz_runtime) -> None:
    assert isinstance(decision.language, str) and decision.language
    assert 0.0 <= decision.confidence <= 1.0 and not math.isnan(decision.confidence)
    for alternative in decision.alternatives:
        assert 0.0 <= alternative.probability <= 1.0
    fastavro.validation.validate(
        decision.to_record(), fuzz_runtime.schemas.schema("LanguageDecision"), raise_errors=True
    )


@fuzz_settings()
@given(text=TEXT)
def test_detect_text_always_decides(fuzz_runtime, language_detector, text):
    _check_decision(language_detector.detect_text(text), fuzz_runtime)


@fuzz_settings()
@given(
    transcript=TEXT,
    caption=TEXT,
    hashtags=st.lists(TEXT, max_size=12),
    audio_language=st.one_of(st.none(), WHISPER_LANGS),
    audio_probability=PROBABILITIES,
    alternatives=st.lists(st.tuples(WHISPER_LANGS, PROBABILITIES), max_size=5),
    region=st.one_of(st.none(), st.text(max_size=3)),
    declared=st.one_of(st.none(), LANGS),
)
def test_detect_with_random_evidence_always_decides(
    fuzz_runtime,
    language_detector,
    transcript,
    caption,
    hashtags,
    audio_language,
    audio_probability,
    alternatives,
    region,
    declared,
):
    evidence = LanguageEvidence(
        transcript_text=transcript,
        caption=caption,
        hashtags=tuple(hashtags),
        audio_language=audio_language,
        audio_probability=audio_probability,
        audio_alternatives=tuple(alternatives),
        region=region,
        declared_language=declared,
    )
    _check_decision(language_detector.detect(evidence), fuzz_runtime)


@fuzz_settings()
@given(
    transcript=st.one_of(TEXT, HUGE_TEXT),
    caption=TEXT,
    hashtags=st.lists(TEXT, max_size=12),
    language=LANGS,
    secondary=st.one_of(st.none(), LANGS),
)
def test_tag_never_raises_and_offsets_stay_in_bounds(tag_core, transcript, caption, hashtags, language, secondary):
    fields = TagInput(
        transcript=transcript,
        caption=caption,
        hashtags=tuple(hashtags),
        language=language,
        secondary_language=secondary,
    )
    result = tag(fields, tag_core.taxonomy, tag_core.options)
    assert [t.score for t in result.topics] == sorted((t.score for t in result.topics), reverse=True)
    values = {"transcript": transcript, "caption": caption, "hashtags": tuple(hashtags)}
    for topic in result.topics:
        assert tag_core.options.min_score <= topic.score <= 1.0
        assert len(topic.evidence) <= tag_core.options.max_evidence
        for evidence in topic.evidence:
            assert 0 <= evidence.start < evidence.end <= len(normalize_field(evidence.source, values[evidence.source]))


# Found by fuzzing (hostile text and evidence); strict: each turns into a failure once the core is fixed.
LANGUAGE_BUGS = [
    pytest.param(LanguageEvidence(caption="ÃòdQ\x9c\x1bkû\x0bsð" * 514), id="long-repeated-text-ZeroDivisionError"),
    pytest.param(LanguageEvidence(audio_language="en", audio_probability=math.inf), id="inf-audio-probability-nan"),
    pytest.param(
        LanguageEvidence(audio_language="en", audio_probability=0.9, audio_alternatives=(("es", math.nan),)),
        id="nan-alternative-nan",
    ),
    pytest.param(LanguageEvidence(audio_language="xx!", audio_probability=0.9), id="non-iso-audio-language-kept"),
]


@pytest.mark.parametrize("evidence", LANGUAGE_BUGS)
def test_known_language_core_bugs(fuzz_runtime, language_detector, evidence):
    decision = language_detector.detect(evidence)
    _check_decision(decision, fuzz_runtime)
    assert (
        decision.language == "und"
        or decision.language in language_detector._scorer.languages
        or decision.language in {"zh", "jv", "ms"}
    )


UPLOAD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
UPLOAD_KEYS = (
    "event_id",
    "video_id",
    "creator_id",
    "uploaded_at",
    "region",
    "audio_uri",
    "duration_ms",
    "caption",
    "hashtags",
    "declared_language",
)


_FIELDS = {k: UPLOAD_VALUES for k in UPLOAD_KEYS}


@fuzz_settings()
@given(upload=st.fixed_dictionaries({}, optional=_FIELDS))
def test_validate_upload_raises_only_invalid_event(upload):
    try:
        assert validate_upload(upload) is upload
    except InvalidEventError:
        return


@pytest.mark.parametrize("hashtags", [None, 5, "mentalhealth"])
def test_validate_upload_rejects_non_list_hashtags(hashtags):
    upload = {
        "event_id": "e",
        "video_id": "v",
        "creator_id": "c",
        "region": "US",
        "uploaded_at": 0,
        "hashtags": hashtags,
    }
    with pytest.raises(InvalidEventError):
        validate_upload(upload)
