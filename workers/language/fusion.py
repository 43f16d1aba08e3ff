"""Fusion of the evidence into one decision: weighted log-linear pooling with weak priors."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

import numpy as np

from workers.language import lexicon
from workers.language.scorer import log_softmax
from workers.language.text import TextAnalysis
from workers.language.types import LanguageDecision, LanguageEvidence, LanguageOptions, LanguageScore

_LOG_FLOOR = math.log(1e-3)  # no single source can veto a language by more than this
_CONTENDER_MARGIN = 8.0
_SUPPORT_LOG_RATIO = math.log(4.0)
_SCRIPT_LOG_FLOOR = math.log(1e-5)
_WHISPER_LANGUAGES = 99  # how many languages Whisper's residual probability is spread over


@dataclass(frozen=True)
class SourceEvidence:
    """One source's opinion: log-probabilities per language, its pooling weight, how it decided."""

    name: str  # audio, transcript, caption, hashtags, declared
    log_probs: Mapping[str, float]
    weight: float
    by_script: bool = False
    default: float = _LOG_FLOOR  # log-probability of languages the source does not list
    floor: float = _LOG_FLOOR  # the most this source can count against any language

    @property
    def top(self) -> str:
        """This source's own best language."""
        return max(self.log_probs, key=self.log_probs.__getitem__)

    def log_prob(self, language: str) -> float:
        """Floored log-probability of a language under this source."""
        return max(self.log_probs.get(language, self.default), self.floor)


def _probability(value: float) -> float:
    """Whisper's probabilities clamped to [0, 1]; NaN and infinities count as no evidence."""
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0


def _iso_code(code: str | None) -> TypeGuard[str]:
    """Only two-letter lower-case codes are languages (anything else from upstream is ignored)."""
    return code is not None and len(code) == 2 and code.isascii() and code.isalpha() and code.islower()


def audio_source(evidence: LanguageEvidence, options: LanguageOptions) -> SourceEvidence | None:
    """Whisper's audio language id as a distribution; None when absent or too unsure to count."""
    probability, language = _probability(evidence.audio_probability), evidence.audio_language
    if not _iso_code(language) or probability < options.min_audio_probability:
        return None
    probs = {lang: _probability(p) for lang, p in evidence.audio_alternatives if _iso_code(lang)}
    probs[language] = max(probs.get(language, 0.0), probability)
    residual = max(1.0 - sum(probs.values()), 1e-6) / _WHISPER_LANGUAGES
    log_probs = {lang: math.log(max(p, residual)) for lang, p in probs.items() if lang != "und"}
    return SourceEvidence("audio", log_probs, options.audio_weight, default=math.log(residual))


def text_source(
    name: str, analysis: TextAnalysis | None, weight: float, heard: Mapping[str, float] | None = None
) -> SourceEvidence | None:
    """A text channel's analysis as pooled evidence.

    heard: languages the audio names, each with the least probability a 1-3-word text may give it (one
    caption word must not veto what confident speech says); None without audio or for longer text.
    """
    if analysis is None:
        return None
    if analysis.by_script:  # Hangul / kana: certain, so it may veto other languages outright
        return SourceEvidence(
            name, analysis.log_probs, weight, True, default=_SCRIPT_LOG_FLOOR, floor=_SCRIPT_LOG_FLOOR
        )
    log_probs = analysis.log_probs
    if heard:
        log_probs = dict(log_probs)
        for lang, least in heard.items():
            log_probs[lang] = max(log_probs.get(lang, _LOG_FLOOR), math.log(least))
    return SourceEvidence(name, log_probs, weight)


def language_prior(language: str, options: LanguageOptions) -> float:
    """Log-odds of a language before any evidence: product languages, then common ones, then the rest."""
    if language in options.product_languages:
        return options.product_prior_weight + (options.malay_prior_weight if language == "ms" else 0.0)
    return options.product_prior_weight / 2 if language in options.common_languages else 0.0


@dataclass(frozen=True)
class Priors:
    """What is known about an upload before reading it: the creator's region and declared language."""

    region_languages: tuple[str, ...] = ()  # languages of the creator's country, main first
    declared: str | None = None  # the creator's declared language

    @classmethod
    def of(cls, evidence: LanguageEvidence) -> Priors:
        """The priors of an upload."""
        return cls(lexicon.region_languages(evidence.region), evidence.declared_language)


def _prior(language: str, priors: Priors, options: LanguageOptions) -> float:
    """Log-odds from the product prior, the (weak) region prior and the declared language."""
    region_languages = priors.region_languages
    prior = language_prior(language, options)
    if language == priors.declared:
        prior += options.declared_weight
    if language in region_languages:
        prior += options.region_prior_weight * (1.0 if language == region_languages[0] else 0.5)
    return prior


def _sources_for(language: str, sources: list[SourceEvidence], priors: Priors) -> tuple[str, ...]:
    # A source decided it when the decision is its own best guess or within a factor 4 of it.
    names = [s.name for s in sources if s.log_prob(language) >= s.log_prob(s.top) - _SUPPORT_LOG_RATIO]
    if any(s.by_script and s.top == language for s in sources):
        names.append("script")
    if language in priors.region_languages:
        names.append("region_prior")
    if language == priors.declared:
        names.append("declared")
    return tuple(names)


def _contenders(sources: list[SourceEvidence]) -> set[str]:
    """Languages some source rates within e^-8 of its best: no other language can win the pool."""
    out: set[str] = set()
    for source in sources:
        best = max(source.log_probs.values())
        out.update(lang for lang, value in source.log_probs.items() if value >= best - _CONTENDER_MARGIN)
    return out


def fuse(
    sources: list[SourceEvidence], priors: Priors, options: LanguageOptions, secondary: str | None
) -> LanguageDecision:
    """Pool the sources (weighted log-linear), add priors, and return the calibrated decision."""
    if not sources:
        return LanguageDecision.undetermined()
    # Languages no source rates near its best cannot win; only the product languages are always weighed.
    candidates = sorted(_contenders(sources) | set(options.product_languages))
    logits = np.array(
        [sum(s.weight * s.log_prob(lang) for s in sources) + _prior(lang, priors, options) for lang in candidates]
    )
    probs = np.exp(log_softmax(logits))
    order = np.argsort(-probs, kind="stable")
    best, confidence = candidates[int(order[0])], float(probs[order[0]])
    if confidence < options.min_confidence:
        return LanguageDecision.undetermined()
    alternatives = tuple(
        LanguageScore(candidates[int(i)], round(float(probs[i]), 6))
        for i in order[1 : 1 + options.alternatives]
        if probs[i] >= 0.005
    )
    return LanguageDecision(
        language=best,
        confidence=round(confidence, 6),
        sources=_sources_for(best, sources, priors),
        alternatives=alternatives,
        secondary=secondary if secondary != best else None,
    )
