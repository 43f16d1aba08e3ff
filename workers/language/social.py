"""The social-media lexicon: slang and caption words that decide 1-3-word texts, and words that say nothing.

Character n-grams need a dozen letters to tell languages apart; short-video captions often have fewer
("lol", "makan siang", "bom dia"). Whole words the creators of each product language actually write are
then the best evidence, and platform words ("fyp", "ok", "haha") are noise to drop. The data lives in
data/social_lexicon.yaml with its sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workers.errors import InfrastructureError

WEAK_SHARE = 0.4  # a 'weak' word (borrowed or shared with a neighbour) counts this much of a full word
_WORD_CACHE_SIZE = 100_000  # distinct words remembered (Zipf: a few thousand cover most captions)
_STRIP = ".,!?;:\"'()«»“”¿¡…"
Evidence = tuple[tuple[str, float], ...]  # (language, share of one full word)


def _default_path() -> Path:
    return Path(str(resources.files("workers.language") / "data" / "social_lexicon.yaml"))


def word_key(token: str) -> str:
    """The lexicon form of a token: lower case, outer punctuation stripped, typographic apostrophes plain."""
    return token.strip(_STRIP).lower().replace("’", "'")


def _add(table: dict[str, dict[str, float]], words: Iterable[str], langs: list[str], share: float) -> None:
    for word in words:
        entry = table.setdefault(word, {})
        for lang in langs:
            entry[lang] = max(entry.get(lang, 0.0), share / len(langs))


def _whole(patterns: Iterable[str]) -> re.Pattern[str] | None:
    patterns = list(patterns)
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@dataclass(frozen=True)
class SocialLexicon:
    """Social-media words per language and neutral platform words."""

    words: Mapping[str, Evidence]  # word -> languages it points to, with shares
    phrases: Mapping[tuple[str, str], Evidence]  # two-word expressions ("bom dia")
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (language, whole-word regex): laughter spellings
    neutral: frozenset[str]  # words dropped before detection
    neutral_pattern: re.Pattern[str] | None  # whole-word regex of neutral words (hahaha, xd)
    # word -> (neutral, patterned, evidence); regexes are the costly part, and words repeat
    _memo: dict[str, tuple[bool, bool, Evidence]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> SocialLexicon:
        """Read the lexicon file (the packaged one by default)."""
        path = path or _default_path()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls._build(data)
        except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as exc:
            raise InfrastructureError(f"cannot load the social-media lexicon {path}: {exc}") from exc

    @classmethod
    def _build(cls, data: Mapping[str, Any]) -> SocialLexicon:
        table: dict[str, dict[str, float]] = {}
        phrases: dict[str, dict[str, float]] = {}
        patterns = []
        for lang, entry in data["languages"].items():
            _add(table, entry.get("words", "").split(), [lang], 1.0)
            _add(table, entry.get("weak", "").split(), [lang], WEAK_SHARE)
            _add(phrases, entry.get("phrases", ()), [lang], 1.0)
            patterns += [(lang, re.compile(p)) for p in entry.get("patterns", ())]
        for langs, entry in data["shared"].items():
            _add(table, entry["words"].split(), langs.split(), 1.0)
        return cls(
            words={word: tuple(sorted(langs.items())) for word, langs in table.items()},
            phrases={tuple(p.split()): tuple(sorted(v.items())) for p, v in phrases.items()},  # type: ignore[misc]
            patterns=tuple(patterns),
            neutral=frozenset(data["neutral"]["words"].split()),
            neutral_pattern=_whole(data["neutral"].get("patterns", ())),
        )

    def _lookup(self, token: str) -> tuple[bool, bool, Evidence]:
        """Memoized facts about a raw token or its lexicon form (word_key is idempotent)."""
        known = self._memo.get(token)
        if known is None:
            word = word_key(token)
            pattern = self.neutral_pattern
            neutral = word in self.neutral or bool(pattern and pattern.fullmatch(word))
            laughter = tuple((lang, 1.0) for lang, regex in self.patterns if regex.fullmatch(word))
            known = (neutral, bool(laughter), self.words.get(word, laughter))
            if len(self._memo) >= _WORD_CACHE_SIZE:
                self._memo.clear()  # crude bound, as in the scorer's token cache
            self._memo[token] = known
        return known

    def is_neutral(self, word: str) -> bool:
        """Whether a lexicon-form word carries no language (fyp, ok, hahaha)."""
        return self._lookup(word)[0]

    def drop_neutral(self, prose: str) -> str:
        """Prose without its neutral words."""
        tokens = prose.split()
        kept = [token for token in tokens if not self._lookup(token)[0]]
        return prose if len(kept) == len(tokens) else " ".join(kept)

    def is_patterned(self, word: str) -> bool:
        """Whether a word is spelled laughter (wkwk, jajaja, kkk): its character n-grams are noise."""
        return self._lookup(word)[1]

    def ngram_text(self, prose: str) -> str:
        """The prose the n-gram scorer should read: without spelled laughter."""
        tokens = prose.split()
        kept = [token for token in tokens if not self._lookup(token)[1]]
        return prose if len(kept) == len(tokens) else " ".join(kept)

    def word_evidence(self, word: str) -> Evidence:
        """Languages one lexicon-form word points to, with shares (empty when it is not social vocabulary)."""
        return self._lookup(word)[2]

    def evidence(self, words: list[str]) -> dict[str, float]:
        """Total social-word evidence per language in a text's lexicon-form words (phrases included)."""
        out: dict[str, float] = {}
        hits = [self.word_evidence(word) for word in words]
        hits += [self.phrases.get(pair, ()) for pair in zip(words, words[1:], strict=False)]
        for evidence in hits:
            for lang, share in evidence:
                out[lang] = out.get(lang, 0.0) + share
        return out
