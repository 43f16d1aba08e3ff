"""Text normalization shared by the taxonomy compiler and the tagger.

Evidence offsets index the *normalized* text of a field, so consumers that want to highlight a span
call :func:`normalize_field` on the same input and slice.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})

# UTF-8 read as Windows-1252 ("ð\u0178\u00a5\u00b2" for 🥲, "Ã©" for é): a UTF-8 lead byte seen as Â-ô followed by
# a continuation byte seen as \x80-\xbf or one of the letters cp1252 puts at 0x80-0x9f.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)


def _cp1252_byte(char: str) -> bytes:
    try:
        return char.encode("cp1252")
    except UnicodeEncodeError:
        if ord(char) < 256:  # the five bytes cp1252 leaves undefined pass through as Latin-1
            return bytes([ord(char)])
        raise


def repair_mojibake(text: str) -> str:
    """``text`` re-decoded when it is UTF-8 that was read as Windows-1252 somewhere upstream.

    Such text glues letters to the words beside them ("bunuh diriðŸ¥²" for "bunuh diri🥲"), so a term stops
    at no word boundary; one in six Indonesian tweets of the weak crisis set reads this way. A text that does
    not re-decode as UTF-8 in full is returned unchanged, so real "Ã" or "â" in a text is left alone.
    """
    if not _MOJIBAKE.search(text):
        return text
    try:
        return b"".join(_cp1252_byte(c) for c in text).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Drop a Latin accent, one character for one, so offsets are not shifted."""
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and decomposed[0].isascii() and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[0]
    return char


def normalize_text(text: str) -> str:
    """Mojibake repaired, NFKC, casefold, straight apostrophes and Latin accents folded ("Depresión" -> "depresion")."""
    if not text.isascii():
        text = repair_mojibake(text)
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
