"""The language stage's core: one LanguageDetector per process, deterministic and thread-safe."""

from __future__ import annotations

import functools

import numpy as np

from workers.language.fusion import Priors, SourceEvidence, audio_source, fuse, language_prior, text_source
from workers.language.normalize import clean, clean_hashtags
from workers.language.scorer import NgramScorer
from workers.language.text import TextAnalysis, analyze_text
from workers.language.types import LanguageDecision, LanguageEvidence, LanguageOptions


class LanguageDetector:
    """Decides an upload's language from audio LID, transcript, caption, hashtags and priors.

    Build it once per process: it loads langdetect's profiles (~1 s). It holds no random state — the
    scorer counts every n-gram instead of sampling — so decisions are identical across runs, threads and
    processes. It is thread-safe: the profile matrix is read-only and the cache is functools.lru_cache.
    """

    def __init__(self, options: LanguageOptions | None = None, scorer: NgramScorer | None = None) -> None:
        self.options = options or LanguageOptions()
        self._scorer = scorer or NgramScorer.load()
        self._prior = np.array(
            [language_prior(lang.split("-")[0], self.options) for lang in self._scorer.languages]
        )
        self._analyze = functools.lru_cache(maxsize=self.options.cache_size)(self._analyze_uncached)
        # Re-uploads and duets repeat whole uploads' evidence; LanguageEvidence is frozen, hence hashable.
        self._detect = functools.lru_cache(maxsize=self.options.cache_size)(self._detect_uncached)

    def _analyze_uncached(self, prose: str) -> TextAnalysis | None:
        return analyze_text(
            self._scorer,
            prose,
            temperature=self.options.text_temperature,
            min_letters=self.options.min_letters,
            min_share=self.options.secondary_min_share,
            prior=self._prior,
            function_word_weight=self.options.function_word_weight,
        )

    def analyze(self, text: str) -> TextAnalysis | None:
        """Text-only analysis of already-normalized prose (cached by that text)."""
        return self._analyze(text)

    def _text_sources(self, evidence: LanguageEvidence) -> tuple[list[SourceEvidence], SourceEvidence | None]:
        options = self.options
        transcript, caption = clean(evidence.transcript_text), clean(evidence.caption)
        tags = dict.fromkeys(clean_hashtags(evidence.hashtags) + caption.hashtags + transcript.hashtags)
        sources = [
            text_source("transcript", self._analyze(transcript.prose), options.transcript_weight),
            text_source("caption", self._analyze(caption.prose), options.caption_weight),
        ]
        hashtags = text_source("hashtags", self._analyze(" ".join(tags)), options.hashtags_weight)
        return [s for s in sources if s is not None], hashtags

    def _secondary(self, evidence: LanguageEvidence) -> str | None:
        for text in (evidence.transcript_text, evidence.caption):
            analysis = self._analyze(clean(text).prose)
            if analysis is not None and analysis.secondary:
                return analysis.secondary
        return None

    def detect(self, evidence: LanguageEvidence) -> LanguageDecision:
        """Fuse all evidence of one upload into its language decision; 'und' when nothing speaks."""
        return self._detect(evidence)

    def _detect_uncached(self, evidence: LanguageEvidence) -> LanguageDecision:
        content, hashtags = self._text_sources(evidence)
        audio = audio_source(evidence, self.options)
        if audio is not None:
            content.insert(0, audio)
        if not content and not (hashtags and self.options.hashtags_alone_decide):
            return LanguageDecision.undetermined()
        sources = content + ([hashtags] if hashtags else [])
        return fuse(sources, Priors.of(evidence), self.options, self._secondary(evidence))

    def detect_text(self, text: str) -> LanguageDecision:
        """Text-only decision: exactly the stage's decision for an upload with only this caption."""
        return self.detect(LanguageEvidence(caption=text))

    def cache_clear(self) -> None:
        """Forget cached analyses (benchmarks use it to measure the uncached cost)."""
        self._analyze.cache_clear()
        self._detect.cache_clear()
