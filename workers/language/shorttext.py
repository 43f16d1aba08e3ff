"""Whole-word rules for short texts: social-media words, a prior against distractor languages, calibration.

A 1-3-word caption has a handful of character n-grams, and langdetect's 55 profiles are wide enough that
some rare language (Welsh, Slovak, Somali) usually fits a handful of n-grams best by chance. Two rules fix
that: words creators really write count as strong evidence, and a language outside the product set must
show one of its own markers before it may win a short text. The n-gram reading of a short text is also
over-confident, so its log-odds are shrunk by a factor fitted on the dev split.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workers.language import lexicon
from workers.language.social import SocialLexicon


@dataclass(frozen=True)
class WordRules:
    """Whole-word knowledge and the short-text prior that the text analysis applies."""

    social: SocialLexicon  # social-media words, neutral words, distractor markers
    social_word_weight: float  # log-odds one full social word adds to its languages
    penalties: Mapping[str, float]  # language -> log-odds against it in a short text without its markers
    sharpness: float  # share of its log-odds a short text's reading keeps (1: no shrinking)
    short_words: int  # texts up to this many words get the full penalty and shrinking
    fade_words: int  # ...fading linearly to nothing over this many more words

    def scale(self, words: int) -> float:
        """1 for a short text, 0 for a long one, linear in between."""
        excess = max(words - self.short_words, 0)
        return max(0.0, 1.0 - excess / max(self.fade_words, 1))

    def sharpen(self, logits: dict[str, float], words: int) -> dict[str, float]:
        """Shrink a short text's log-odds towards uniform (calibration fitted on dev phrases)."""
        factor = 1.0 - (1.0 - self.sharpness) * self.scale(words)
        return logits if factor == 1.0 else {lang: value * factor for lang, value in logits.items()}


def add_social_words(logits: dict[str, float], evidence: Mapping[str, float], weight: float) -> None:
    """Add social-word log-odds; Malay's go to the id/ms pair, which the Malay split then divides."""
    for lang, units in evidence.items():
        target = "id" if lang == "ms" else lang
        if target in logits:
            logits[target] += weight * units


def marked_languages(words: list[str], text: str, evidence: Mapping[str, float], rules: WordRules) -> set[str]:
    """Languages the text itself points to: their markers, function words or social words occur in it."""
    marked = set(rules.social.marked(words, text)) | set(evidence)
    for word in words:
        marked.update(lexicon.FUNCTION_WORDS.get(word, ()))
    return marked


def short_text_prior(
    logits: dict[str, float], words: list[str], text: str, evidence: Mapping[str, float], rules: WordRules
) -> None:
    """Push distractor languages down in a short text unless the text carries one of their markers."""
    scale = rules.scale(len(words))
    if scale == 0.0:
        return
    marked = marked_languages(words, text, evidence, rules)
    for lang, penalty in rules.penalties.items():
        if lang in logits and lang not in marked:
            logits[lang] -= penalty * scale


def language_penalties(
    languages: list[str], product: tuple[str, ...], common: tuple[str, ...], rare: float, common_penalty: float
) -> dict[str, float]:
    """Short-text log-odds against each language: none for product languages, some for common ones."""
    return {
        lang: 0.0 if lang in product else common_penalty if lang in common else rare
        for lang in languages
        if lang not in product
    }
