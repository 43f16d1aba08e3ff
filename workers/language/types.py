"""Messages and options of the language stage: frozen, typed, mirroring the Avro contracts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STAGE = "language"
DETECTOR_NAME = "fides-langid"
DETECTOR_VERSION = "2.0.0"
UNDETERMINED = "und"

# Whisper's language tokens that are not ISO 639-1 codes.
_WHISPER_TO_ISO = {"jw": "jv", "haw": "und", "yue": "zh"}


def whisper_to_iso(code: str | None) -> str | None:
    """Map a Whisper language token to ISO 639-1 (None stays None)."""
    if not code:
        return None
    code = code.strip().lower()
    return _WHISPER_TO_ISO.get(code, code)


@dataclass(frozen=True)
class LanguageScore:
    """One candidate language with its probability (mirrors LanguageScore.avsc)."""

    language: str  # ISO 639-1 code or "und"
    probability: float  # in [0, 1]

    def to_record(self) -> dict[str, Any]:
        """The LanguageScore Avro record."""
        return {"language": self.language, "probability": float(self.probability)}


@dataclass(frozen=True)
class LanguageDecision:
    """The stage's one language decision for an upload (mirrors LanguageDecision.avsc)."""

    language: str  # ISO 639-1 code, or "und" when undecidable
    confidence: float  # calibrated probability that `language` is right; 0 for "und"
    sources: tuple[str, ...] = ()  # evidence that decided it: audio, transcript, caption, hashtags, ...
    alternatives: tuple[LanguageScore, ...] = ()  # other candidates, best first
    secondary: str | None = None  # second language of code-switched text (e.g. id + en)
    detector: str = f"{DETECTOR_NAME}-{DETECTOR_VERSION}"  # detector name and version

    @classmethod
    def undetermined(cls) -> LanguageDecision:
        """The decision for input with no usable evidence."""
        return cls(language=UNDETERMINED, confidence=0.0)

    def to_record(self) -> dict[str, Any]:
        """The LanguageDecision Avro record (lists, not tuples)."""
        return {
            "language": self.language,
            "confidence": float(self.confidence),
            "sources": list(self.sources),
            "alternatives": [alt.to_record() for alt in self.alternatives],
            "secondary": self.secondary,
            "detector": self.detector,
        }


@dataclass(frozen=True)
class LanguageEvidence:
    """Everything the stage may use to decide an upload's language."""

    transcript_text: str = ""  # Whisper transcript ("" when no speech / no audio)
    caption: str = ""  # creator-written caption
    hashtags: tuple[str, ...] = ()  # hashtags without '#', in the creator's order
    audio_language: str | None = None  # Whisper audio language id (ISO 639-1), None when it did not run
    audio_probability: float = 0.0  # Whisper's probability for audio_language
    audio_alternatives: tuple[tuple[str, float], ...] = ()  # Whisper's top audio languages
    region: str | None = None  # creator's country, ISO 3166-1 alpha-2
    declared_language: str | None = None  # language the creator declared (a hint)

    @classmethod
    def from_records(cls, upload: Mapping[str, Any], transcript: Mapping[str, Any]) -> LanguageEvidence:
        """Build the evidence from UploadEvent and Transcript Avro records."""
        alternatives = tuple(
            (str(whisper_to_iso(alt["language"])), float(alt["probability"]))
            for alt in transcript.get("language_alternatives") or ()
        )
        region = upload.get("region")
        declared = upload.get("declared_language")
        return cls(
            transcript_text=transcript.get("text") or "",
            caption=upload.get("caption") or "",
            hashtags=tuple(upload.get("hashtags") or ()),
            audio_language=whisper_to_iso(transcript.get("language")),
            audio_probability=float(transcript.get("language_probability") or 0.0),
            audio_alternatives=alternatives,
            region=region.upper() if region else None,
            declared_language=declared.strip().lower() if declared else None,
        )


@dataclass(frozen=True)
class LanguageOptions:
    """Tunable weights and thresholds of the language stage (operators may override them)."""

    # Log-linear pooling weights: how much each source's log-probabilities count.
    audio_weight: float = 1.0
    transcript_weight: float = 0.8
    caption_weight: float = 0.7
    hashtags_weight: float = 0.4
    # The creator's declared language: enough to outvote the Malay prior on ambiguous id/ms text.
    declared_weight: float = 1.5
    # A weak prior: log-odds added to the region's languages (log 3 ~ "three times likelier").
    region_prior_weight: float = 1.1
    # Extra log-odds for the product languages, so that 1-3-word texts lean to the languages we serve.
    product_prior_weight: float = 1.5
    product_languages: tuple[str, ...] = ("en", "id", "ms", "es", "pt", "fr", "ja", "ko")
    # Half that for languages common on a global video platform; the rarest profiles (af, cy, sq, ...) get 0.
    common_languages: tuple[str, ...] = (
        "de",
        "it",
        "nl",
        "tl",
        "ru",
        "ar",
        "tr",
        "vi",
        "th",
        "hi",
        "zh",
        "pl",
        "uk",
        "fa",
        "bn",
        "sv",
        "ro",
        "ca",
    )
    # The text scorer: "lingua" (default) or "langdetect" (its profiles, scored deterministically).
    scorer: str = "lingua"
    # The languages a text can be scored as: the product's, the ones they are confused with, and zh for
    # kanji-only text. lingua holds ~20 MB of models per language in high-accuracy mode.
    languages: tuple[str, ...] = ("en", "id", "ms", "es", "pt", "fr", "ja", "ko", "tl", "it", "de", "nl", "ca", "zh")
    # Texts longer than this many characters are scored in lingua's low-accuracy mode (trigrams only, ~3x
    # faster; their first 100 characters) and rescored in high-accuracy mode unless it is >= 0.99 sure
    # (0 = always high accuracy). On train + dev sentences: id 99.25 % either way, ms 69.9 -> 71.6 %,
    # es 100 -> 99.75 %, pt 99.5 -> 99.4 %.
    lingua_low_accuracy_chars: int = 60
    # Log-odds a whole function word ("the", "yang", "não") adds to its languages in a short text.
    function_word_weight: float = 3.0
    # Log-odds of Malay against the other product languages: the platform has far more Indonesian than
    # Malay creators (a region or declared language of MY outvotes it).
    malay_prior_weight: float = -1.0
    # Indonesian vs Malay in text: the pair's probability is split by log-odds of Malay = malay_text_share
    # x the scorer's own Malay-vs-Indonesian log-odds (lingua leans to Malay on formal Indonesian) +
    # malay_marker_weight x (Malay minus Indonesian marker words). Fitted on the dev split (--fit).
    malay_text_share: float = 0.2
    malay_marker_weight: float = 3.0
    # Below this confidence the decision is "und" (0: always name the likeliest language when text exists).
    min_confidence: float = 0.0
    # Audio below this probability is ignored (Whisper guesses wildly on music and noise).
    min_audio_probability: float = 0.3
    # A second language counts when at least this share of the text's word windows is in it.
    secondary_min_share: float = 0.25
    # How many normalized texts to remember per process.
    cache_size: int = 16384
    # How many whole-upload decisions to remember (bursts of identical re-uploads and redeliveries). Kept
    # small: each entry is ~6 objects the garbage collector walks on every full collection.
    decision_cache_size: int = 1024
    # Text with fewer letters than this carries no language signal.
    min_letters: int = 2
    alternatives: int = 3  # how many alternatives to report
    # Hashtags are weak, often English-by-habit evidence: alone they decide nothing unless this is on.
    hashtags_alone_decide: bool = False
    # Log-odds one full social-media word ("banget", "mdr", "lol") adds to its languages.
    social_word_weight: float = 2.0
    # Function words count fully in texts of up to short_text_words words, fading out over
    # short_text_fade_words more: a sentence's n-grams already say what its function words say.
    short_text_words: int = 3
    short_text_fade_words: int = 5
    # With audio, the least probability a 1-3-word text may give a language the audio heard: one caption
    # word ("gracias") must not outvote confident speech (0.93 pt) on its own.
    short_text_floor: float = 0.02
    # The social-media lexicon file ("" = the packaged workers/language/data/social_lexicon.yaml).
    social_lexicon_path: str = ""
