"""The langdetect scorer: a deterministic n-gram scorer over langdetect's own profiles, no random trials.

langdetect samples n-grams at random over seven trials (non-deterministic unless seeded, ~2 ms a text
in pure Python). Naive Bayes over all of the text's n-grams with the same per-language probabilities and
the same smoothing (alpha / BASE_FREQ) needs no sampling, is deterministic by construction, and is one
vectorised sum over a matrix that is built once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from langdetect.utils.ngram import NGram

from workers.errors import InfrastructureError
from workers.language.scorer import MAX_CHARS, log_softmax

_ALPHA = 0.5  # langdetect's default smoothing
_BASE_FREQ = 10000  # langdetect's n-gram frequency base
# n-gram log-likelihoods are summed as if independent, so a sentence's are far too sharp; dividing by 2
# (fitted on the dev split when this scorer was the default) calibrates them.
TEMPERATURE = 2.0
_TOKEN_CACHE_SIZE = 200_000  # distinct tokens remembered (~0.5 KB each)
_PROFILE_NAMES = {"zh": "zh-cn"}  # ISO code -> langdetect profile name where they differ


def profiles_directory() -> Path:
    """Where the installed langdetect keeps its language profiles."""
    return Path(str(resources.files("langdetect") / "profiles"))


@dataclass(frozen=True)
class WordScores:
    """Per-word log-likelihood vectors of one text (rows follow the words that had known n-grams)."""

    words: tuple[str, ...]  # words that contributed
    matrix: np.ndarray  # shape (len(words), n_languages), log-likelihood per language
    ngrams: int  # number of known n-grams counted


class NgramScorer:
    """Log-likelihood of a text under each langdetect profile; immutable after construction, thread-safe."""

    def __init__(self, languages: tuple[str, ...], index: dict[str, int], log_probs: np.ndarray) -> None:
        self.languages = languages  # ISO 639-1 (langdetect's zh-cn is 'zh'; zh-tw is not loaded)
        self._index = index
        self._log_probs = log_probs
        self._char_map: dict[str, str] = {}  # memo of langdetect's per-character normalization
        self._token_cache: dict[str, tuple[tuple[str, np.ndarray, int], ...]] = {}  # words repeat (Zipf)

    @classmethod
    def load(cls, directory: Path | None = None, languages: tuple[str, ...] | None = None) -> NgramScorer:
        """Load the profiles of these languages (all by default), sorted by name for a fixed order."""
        directory = directory or profiles_directory()
        wanted = None if languages is None else {_PROFILE_NAMES.get(code, code) for code in languages}
        try:
            files = sorted(
                p
                for p in directory.iterdir()
                if p.is_file() and not p.name.startswith(".") and (wanted is None or p.name in wanted)
            )
            profiles = [json.loads(p.read_text(encoding="utf-8")) for p in files]
        except (OSError, ValueError) as exc:
            raise InfrastructureError(f"cannot load langdetect profiles from {directory}: {exc}") from exc
        return cls._build(profiles)

    @classmethod
    def _build(cls, profiles: list[dict]) -> NgramScorer:
        languages = tuple(profile["name"].split("-")[0] for profile in profiles if profile["name"] != "zh-tw")
        profiles = [profile for profile in profiles if profile["name"] != "zh-tw"]
        index: dict[str, int] = {}
        rows: list[list[float]] = []
        for column, profile in enumerate(profiles):
            for gram, count in profile["freq"].items():
                if not 1 <= len(gram) <= 3:
                    continue
                row = index.setdefault(gram, len(rows))
                if row == len(rows):
                    rows.append([0.0] * len(languages))
                rows[row][column] = count / profile["n_words"][len(gram) - 1]
        floor = _ALPHA / _BASE_FREQ
        log_probs = np.log(np.asarray(rows, dtype=np.float64) + floor).astype(np.float32)
        return cls(languages, index, log_probs)

    def _prepare(self, text: str) -> list[str]:
        """langdetect's text rules: Vietnamese normalization; Latin letters dropped from non-Latin text."""
        text = text[:MAX_CHARS]
        if text.isascii():
            return text.split()
        text = NGram.normalize_vi(text)
        latin = sum(1 for ch in text if "A" <= ch <= "z")
        non_latin = sum(1 for ch in text if ch >= "\u0300" and ch.isalpha())
        if latin * 2 < non_latin:
            text = "".join(" " if "A" <= ch <= "z" else ch for ch in text)
        return text.split()

    def _normalize_char(self, ch: str) -> str:
        mapped = self._char_map.get(ch)
        if mapped is None:
            mapped = NGram.normalize(ch)
            self._char_map[ch] = mapped  # benign race: every thread stores the same value
        return mapped

    def _word_rows(self, word: str) -> list[int]:
        padded = f" {word} "
        index = self._index
        rows = []
        for end in range(1, len(padded)):
            if padded[end].isupper() and padded[end - 1].isupper():
                continue  # langdetect ignores n-grams inside all-caps runs
            for n in (1, 2, 3):
                start = end - n + 1
                if start < 0 or (n == 1 and padded[end] == " "):
                    continue
                row = index.get(padded[start : end + 1])
                if row is not None:
                    rows.append(row)
        return rows

    def _token_scores(self, token: str) -> tuple[tuple[str, np.ndarray, int], ...]:
        """(word, log-likelihood vector, n-grams) of each word a raw token normalizes to; memoized."""
        cached = self._token_cache.get(token)
        if cached is None:
            words = "".join(self._normalize_char(ch) for ch in token).split()
            scored = []
            for word in words:
                rows = self._word_rows(word)
                if rows:
                    scored.append((word, self._log_probs[rows].sum(axis=0, dtype=np.float64), len(rows)))
            cached = tuple(scored)
            if len(self._token_cache) >= _TOKEN_CACHE_SIZE:
                self._token_cache.clear()  # crude bound; a dict swap is atomic, so threads stay safe
            self._token_cache[token] = cached
        return cached

    def text_log_probs(self, text: str) -> np.ndarray | None:
        """Log-probability per language of the whole text (None when no n-gram is known)."""
        scores = self.word_scores(text)
        return log_softmax(scores.matrix.sum(axis=0) / TEMPERATURE) if scores.ngrams else None

    def word_log_probs(self, words: list[str]) -> np.ndarray:
        """Per-word log-likelihoods / TEMPERATURE (zeros for words without known n-grams).

        Rows are log-probabilities up to a per-word constant, which no comparison across languages sees.
        """
        rows = []
        for word in words:
            scored = self._token_scores(word)
            if len(scored) == 1:
                rows.append(scored[0][1])
            else:
                rows.append(sum((vector for _, vector, _ in scored), np.zeros(len(self.languages))))
        return np.vstack(rows) / TEMPERATURE if rows else np.zeros((0, len(self.languages)))

    def word_scores(self, text: str) -> WordScores:
        """Per-word log-likelihoods of a text (words without known n-grams are left out)."""
        scored = [entry for token in self._prepare(text) for entry in self._token_scores(token)]
        if not scored:
            return WordScores((), np.zeros((0, len(self.languages))), 0)
        words, vectors, counts = zip(*scored, strict=True)
        return WordScores(words, np.vstack(vectors), sum(counts))
