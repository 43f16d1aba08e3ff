"""Text normalization shared by the taxonomy compiler and the tagger.

Evidence offsets index the *normalized* text of a field, so consumers that want to highlight a span
call :func:`normalize_field` on the same input and slice.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Drop a Latin accent, one character for one, so offsets are not shifted."""
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and decomposed[0].isascii() and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[0]
    return char


def normalize_text(text: str) -> str:
    """NFKC, casefold, straight apostrophes and Latin accents folded ("Depresión" -> "depresion")."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    if folded.isascii():
        return folded  # nothing to fold; most captions and transcripts, and a per-character loop otherwise
    # Kana and Hangul are left alone: their NFD forms are not ASCII-led, so _fold_char keeps them.
    return "".join(_fold_char(c) if not c.isascii() else c for c in folded)


def normalize_hashtag(tag: str) -> str:
    """One hashtag as matched: normalized, without "#", underscores and hyphens."""
    return normalize_text(tag).strip().lstrip("#").replace("_", "").replace("-", "")


def hashtag_spans(hashtags: tuple[str, ...]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The normalized hashtags field ("tag1 tag2 ...") and each non-empty tag's span in it."""
    spans: list[tuple[int, int]] = []
    parts: list[str] = []
    cursor = 0
    for raw in hashtags:
        tag = normalize_hashtag(raw)
        if not tag:
            continue
        spans.append((cursor, cursor + len(tag)))
        parts.append(tag)
        cursor += len(tag) + 1
    return " ".join(parts), tuple(spans)


def normalize_field(source: str, value: str | tuple[str, ...]) -> str:
    """The normalized text of one TagInput field, the text that evidence offsets index."""
    if source == "hashtags":
        return hashtag_spans(tuple(value))[0]
    return normalize_text(str(value))
