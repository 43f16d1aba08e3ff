"""The language stage's core: one LanguageDetector per process, deterministic and thread-safe."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from workers.language.fusion import Priors, SourceEvidence, audio_source, fuse, language_prior, text_source
from workers.language.normalize import CleanText, clean, clean_hashtags
from workers.language.scorer import NgramScorer
from workers.language.shorttext import WordRules, language_penalties
from workers.language.social import SocialLexicon
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
        self._prior = np.array([language_prior(lang.split("-")[0], self.options) for lang in self._scorer.languages])
        self._rules = self._word_rules(self.options, self._scorer)
        self._analyze = functools.lru_cache(maxsize=self.options.cache_size)(self._analyze_uncached)
        # Re-uploads and duets repeat whole uploads' evidence; LanguageEvidence is frozen, hence hashable.
        self._detect = functools.lru_cache(maxsize=self.options.decision_cache_size)(self._detect_uncached)

    @staticmethod
    def _word_rules(options: LanguageOptions, scorer: NgramScorer) -> WordRules:
        social = SocialLexicon.load(Path(options.social_lexicon_path) if options.social_lexicon_path else None)
        languages = sorted({lang.split("-")[0] for lang in scorer.languages} | {"gl"})
        penalties = language_penalties(
            languages,
            options.product_languages,
            options.common_languages,
            options.short_text_rare_penalty,
            options.short_text_common_penalty,
        )
        return WordRules(
            social,
            options.social_word_weight,
            penalties,
            options.short_text_sharpness,
            options.short_text_words,
            options.short_text_fade_words,
        )

    def _prose(self, text: str) -> CleanText:
        """Normalized prose and hashtags without the words that carry no language (fyp, ok, haha)."""
        cleaned = clean(text)
        drop = self._rules.social.drop_neutral
        return CleanText(drop(cleaned.prose), tuple(filter(None, map(drop, cleaned.hashtags))))

    def _analyze_uncached(self, prose: str) -> TextAnalysis | None:
        return analyze_text(
            self._scorer,
            prose,
            temperature=self.options.text_temperature,
            min_letters=self.options.min_letters,
            min_share=self.options.secondary_min_share,
            prior=self._prior,
            function_word_weight=self.options.function_word_weight,
            rules=self._rules,
        )

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
