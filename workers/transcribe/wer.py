"""Word error rate with Whisper-style text normalization; character error rate for ja/ko/zh.

Normalization follows openai-whisper's ``BasicTextNormalizer``: NFKC, lowercase, text in brackets
dropped, punctuation and symbols replaced by spaces, whitespace collapsed. Diacritics are kept
("está" ≠ "esta"). Japanese and Chinese are written without spaces and Korean word spacing is
inconsistent across transcribers, so those languages are scored on characters with spaces removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

CHARACTER_LANGUAGES = frozenset({"ja", "ko", "zh"})
_BRACKETED = re.compile(r"[<\[][^>\]]*[>\]]|\([^)]*\)")


def normalize_text(text: str) -> str:
    """Lowercase, bracketed asides dropped, punctuation and symbols turned into spaces, spaces collapsed."""
    text = _BRACKETED.sub(" ", unicodedata.normalize("NFKC", text).lower())
    kept = (" " if unicodedata.category(char)[0] in "PSZC" else char for char in text)
    return " ".join("".join(kept).split())


def tokens(text: str, language: str) -> list[str]:
    """The units errors are counted on: characters for ja/ko/zh, words otherwise."""
    normalized = normalize_text(text)
    if language.split("-")[0].lower() in CHARACTER_LANGUAGES:
        return list(normalized.replace(" ", ""))
    return normalized.split()


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance (substitutions, insertions, deletions) between two token sequences."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_token in enumerate(reference, start=1):
        current = [i]
        for j, hyp_token in enumerate(hypothesis, start=1):
            substitution = previous[j - 1] + (ref_token != hyp_token)
            current.append(min(previous[j] + 1, current[j - 1] + 1, substitution))
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str, language: str) -> float:
    """Edits per reference token after normalization (CER for ja/ko/zh); 0.0 for two empty texts."""
    ref, hyp = tokens(reference, language), tokens(hypothesis, language)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
