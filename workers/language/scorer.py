"""Text scorers: log-probabilities per language for a whole text and for each of its words.

The default is lingua (lingua-language-detector, Rust, Apache-2.0), restricted to the languages the
stage can name: it models 1- to 5-grams per language and was built for short and mixed text. langdetect's
profiles stay available (workers.language.langdetect_scorer).
Both are deterministic: lingua has no random state, and the langdetect scorer counts every n-gram.
Select with LanguageOptions(scorer="langdetect").
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from workers.errors import InfrastructureError

if TYPE_CHECKING:
    from workers.language.langdetect_scorer import NgramScorer

MAX_CHARS = 2000  # enough for a confident decision; bounds the cost of long transcripts
PROBABILITY_FLOOR = 1e-6  # a scorer's zero is "very unlikely", not a veto
LINGUA_MAX_CHARS = 500  # lingua's cost grows with length; 500 characters decide any monolingual text
LOW_ACCURACY_SURE = 0.99
LOW_ACCURACY_MAX_CHARS = 100  # the quick pass reads a prefix: it only has to be sure, else the rescore reads all


class TextScorer(Protocol):
    """What the text analysis needs from a language model."""

    languages: tuple[str, ...]  # ISO 639-1 codes, the column order of every vector

    def text_log_probs(self, text: str) -> np.ndarray | None:
        """Natural-log probability per language of a whole text; None when it has no known features."""
        ...

    def word_log_probs(self, words: list[str]) -> np.ndarray:
        """One row per word for code-switching: log-probabilities up to a per-word constant."""
        ...


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable log-softmax of a vector."""
    shifted = logits - logits.max()
    return shifted - math.log(float(np.exp(shifted).sum()))


@functools.lru_cache(maxsize=4)
def _lingua(languages: tuple[str, ...], low_accuracy: bool) -> Any:
    """One lingua detector per language set and mode per process: ~280 MB of models, immutable, shareable."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    try:
        models = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
    except AttributeError as exc:
        raise InfrastructureError(f"lingua has no model for one of {', '.join(languages)}: {exc}") from exc
    builder = LanguageDetectorBuilder.from_languages(*models).with_preloaded_language_models()
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


class LinguaScorer:
    """lingua for whole texts; per-word rows (code-switching only) from the langdetect n-gram scorer.

    lingua scores one word as slowly as a sentence (~0.1 ms), so the 3-word windows that look for a
    second language would cost ~2 ms per 20-word transcript; langdetect's profiles score a word from a
    memo of its n-gram rows, ~10x cheaper, and only need to tell unrelated languages apart.
    """

    def __init__(
        self, languages: tuple[str, ...], low_accuracy_chars: int = 0, words: NgramScorer | None = None
    ) -> None:
        from lingua import IsoCode639_1, Language

        from workers.language.langdetect_scorer import NgramScorer

        self.languages = tuple(languages)
        self._high = _lingua(self.languages, False)
        # Low-accuracy mode (trigrams only) is ~3x faster and nearly as good once a text is long.
        self._low = _lingua(self.languages, True) if low_accuracy_chars > 0 else None
        self._low_accuracy_chars = low_accuracy_chars
        self._column = {
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())): i for i, code in enumerate(languages)
        }
        self._words = words or NgramScorer.load(languages=self.languages)
        # langdetect has no Malay profile: its Indonesian row stands for both (one group for code-switching).
        index = {lang: i for i, lang in enumerate(self._words.languages)}
        self._word_columns = [index.get("id" if lang == "ms" else lang) for lang in self.languages]

    def _probabilities(self, text: str, low: bool) -> np.ndarray | None:
        detector = self._low if low and self._low is not None else self._high
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0.0:
            return None  # no letter of any modelled script (Cyrillic, Thai, digits only)
        probs = np.full(len(self.languages), PROBABILITY_FLOOR)
        for value in values:
            probs[self._column[value.language]] = max(value.value, PROBABILITY_FLOOR)
        return np.log(probs)

    def text_log_probs(self, text: str) -> np.ndarray | None:
        """lingua's confidences as log-probabilities.

        With low_accuracy_chars set, a longer text's first LOW_ACCURACY_MAX_CHARS are scored in
        low-accuracy mode first, and the text again in high-accuracy mode unless that was sure (top
        probability >= LOW_ACCURACY_SURE). Indonesian vs Malay needs no rescore: the split keeps only a
        share of lingua's lean either way (train + dev: same Indonesian, more Malay sentences right).
        """
        text = text[:LINGUA_MAX_CHARS]
        if not 0 < self._low_accuracy_chars < len(text):
            return self._probabilities(text, low=False)
        quick = self._probabilities(text[:LOW_ACCURACY_MAX_CHARS], low=True)
        if quick is None:
            return None
        top = int(np.argmax(quick))
        if quick[top] >= math.log(LOW_ACCURACY_SURE):
            return quick
        return self._probabilities(text, low=False)

    def word_log_probs(self, words: list[str]) -> np.ndarray:
        """Per-word log-probabilities from the langdetect profiles, in this scorer's columns."""
        rows = self._words.word_log_probs(words)
        if not len(rows):
            return np.zeros((0, len(self.languages)))
        least = rows.min(axis=1)  # a language langdetect lacks never wins a word
        return np.stack([rows[:, i] if i is not None else least for i in self._word_columns], axis=1)


def load_scorer(name: str, languages: tuple[str, ...], low_accuracy_chars: int = 0) -> TextScorer:
    """The named scorer (lingua or langdetect) over these languages."""
    if name == "lingua":
        return LinguaScorer(languages, low_accuracy_chars)
    if name == "langdetect":
        from workers.language.langdetect_scorer import NgramScorer

        return NgramScorer.load(languages=languages)
    raise ValueError(f"unknown language scorer {name!r}; choose lingua or langdetect")
