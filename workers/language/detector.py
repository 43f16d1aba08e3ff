"""The language stage's core: one LanguageDetector per process, deterministic and thread-safe."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from workers.language.fusion import Priors, SourceEvidence, audio_source, fuse, language_prior, text_source
from workers.language.normalize import CleanText, clean, clean_hashtags
from workers.language.scorer import TextScorer, load_scorer
from workers.language.social import SocialLexicon
from workers.language.text import TextAnalysis, TextRules, analyze_text
from workers.language.types import LanguageDecision, LanguageEvidence, LanguageOptions


class LanguageDetector:
    """Decides an upload's language from audio LID, transcript, caption, hashtags and priors.

    Build it once per process: it loads the text scorer's models (lingua: ~2 s, ~280 MB for 14
    languages). Decisions hold no random state (lingua has none; the langdetect scorer counts every
    n-gram instead of sampling), so they are identical across runs, threads and processes. It is
    thread-safe: the models are read-only, the caches functools.lru_cache or atomic dict swaps.
    """

    def __init__(self, options: LanguageOptions | None = None, scorer: TextScorer | None = None) -> None:
        self.options = options or LanguageOptions()
        options = self.options
        self._scorer = scorer or load_scorer(options.scorer, options.languages, options.lingua_low_accuracy_chars)
        social = SocialLexicon.load(Path(options.social_lexicon_path) if options.social_lexicon_path else None)
        self._rules = TextRules(
            social=social,
            social_word_weight=options.social_word_weight,
            function_word_weight=options.function_word_weight,
            short_words=options.short_text_words,
            fade_words=options.short_text_fade_words,
            malay_text_share=options.malay_text_share,
            malay_marker_weight=options.malay_marker_weight,
            min_letters=options.min_letters,
            min_share=options.secondary_min_share,
            prior=np.array([language_prior(lang, options) for lang in self._scorer.languages]),
        )
        self._analyze = functools.lru_cache(maxsize=options.cache_size)(self._analyze_uncached)
        # Re-uploads and duets repeat whole uploads' evidence; LanguageEvidence is frozen, hence hashable.
        self._detect = functools.lru_cache(maxsize=options.decision_cache_size)(self._detect_uncached)

    def _prose(self, text: str) -> CleanText:
        """Normalized prose and hashtags without the words that carry no language (fyp, ok, haha)."""
        cleaned = clean(text)
        drop = self._rules.social.drop_neutral
        return CleanText(drop(cleaned.prose), tuple(filter(None, map(drop, cleaned.hashtags))))

    def _analyze_uncached(self, prose: str) -> TextAnalysis | None:
        return analyze_text(self._scorer, prose, self._rules)

    def analyze(self, text: str) -> TextAnalysis | None:
        """Text-only analysis of already-normalized prose (cached by that text)."""
        return self._analyze(text)

    def _text_sources(
        self, evidence: LanguageEvidence, texts: list[tuple[CleanText, TextAnalysis | None]], heard: bool
    ) -> tuple[list[SourceEvidence], SourceEvidence | None]:
        (transcript, transcript_analysis), (caption, caption_analysis) = texts
        floors = self._heard_floors(evidence) if heard else None
        drop = self._rules.social.drop_neutral
        listed = tuple(filter(None, map(drop, clean_hashtags(evidence.hashtags))))
        tags = dict.fromkeys(listed + caption.hashtags + transcript.hashtags)
        if tags:  # a hashtag repeating the caption's own words ("dance challenge" #dance) is no second opinion
            said = set(f"{transcript.prose} {caption.prose}".lower().split())
            tags = dict.fromkeys(tag for tag in tags if not set(tag.lower().split()) <= said)
        sources = [
            text_source(
                "transcript",
                transcript_analysis,
                self.options.transcript_weight,
                self._short(transcript_analysis, floors),
            ),
            text_source(
                "caption", caption_analysis, self.options.caption_weight, self._short(caption_analysis, floors)
            ),
        ]
        tag_analysis = self._analyze(" ".join(tags))
        hashtags = text_source(
            "hashtags", tag_analysis, self.options.hashtags_weight, self._short(tag_analysis, floors)
        )
        return [s for s in sources if s is not None], hashtags

    def _heard_floors(self, evidence: LanguageEvidence) -> dict[str, float]:
        """Against audio, a 1-3-word text may give the heard languages no less than short_text_floor."""
        heard = dict.fromkeys(lang for lang, _ in evidence.audio_alternatives)
        heard.update(dict.fromkeys([evidence.audio_language or "und"]))
        return {lang: self.options.short_text_floor for lang in heard if lang != "und"}

    def _short(self, analysis: TextAnalysis | None, floors: dict[str, float] | None) -> dict[str, float] | None:
        short = analysis is not None and analysis.words <= self.options.short_text_words
        return floors if short else None

    @staticmethod
    def _secondary(texts: list[tuple[CleanText, TextAnalysis | None]]) -> str | None:
        """The code-switched second language of the transcript, else of the caption."""
        return next((analysis.secondary for _, analysis in texts if analysis and analysis.secondary), None)

    def detect(self, evidence: LanguageEvidence) -> LanguageDecision:
        """Fuse all evidence of one upload into its language decision; 'und' when nothing speaks."""
        return self._detect(evidence)

    def _detect_uncached(self, evidence: LanguageEvidence) -> LanguageDecision:
        audio = audio_source(evidence, self.options)
        cleaned = (self._prose(evidence.transcript_text), self._prose(evidence.caption))
        texts = [(text, self._analyze(text.prose)) for text in cleaned]  # transcript, caption
        content, hashtags = self._text_sources(evidence, texts, audio is not None)
        if audio is not None:
            content.insert(0, audio)
        if not content and not (hashtags and self.options.hashtags_alone_decide):
            return LanguageDecision.undetermined()
        sources = content + ([hashtags] if hashtags else [])
        return fuse(sources, Priors.of(evidence), self.options, self._secondary(texts))

    def detect_text(self, text: str) -> LanguageDecision:
        """Text-only decision: exactly the stage's decision for an upload with only this caption."""
        return self.detect(LanguageEvidence(caption=text))

    def cache_clear(self) -> None:
        """Forget cached analyses (benchmarks use it to measure the uncached cost)."""
        self._analyze.cache_clear()
        self._detect.cache_clear()
