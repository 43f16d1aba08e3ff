"""Text clean-up before language detection: URLs, mentions, hashtags, emoji, repeats; script counts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from workers.language.lexicon import HASHTAG_VOCABULARY

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|id|my|ly|io|co|me|tv)(?:/\S*)?\b",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_MENTION_RE = re.compile(r"(?<![\w@])@[\w.]+")
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_REPEAT_RE = re.compile(r"(.)\1{2,}")  # three or more of one character
_FINAL_REPEAT_RE = re.compile(r"(\w)\1{2,}\b")  # word-final elongation: "todayyyy", "soooo"
_ONE_LETTER_RE = re.compile(r"\b(\w)\1{2,}\b")  # a word of one repeated letter: laughter ("kkkkk") keeps two
_CAMEL_RE = re.compile(r"(?<=[a-z\u00e0-\u00ff])(?=[A-Z\u00c0-\u00de])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SPACES_RE = re.compile(r"\s+")
# Joiners, variation selectors and keycap marks that survive emoji removal as invisible noise.
_INVISIBLE = dict.fromkeys(map(ord, "\u200d\u200c\ufe0f\ufe0e\u20e3"), " ")

# Platform-generic tags that say nothing about the language.
GENERIC_TAGS = frozenset(
    "fyp foryou foryoupage fy fypage viral trending trend tiktok reels reel explore xyzbca capcut duet "
    "stitch shorts youtubeshorts parati pourtoi".split()
)


@dataclass(frozen=True)
class CleanText:
    """A caption or transcript split into its prose and its inline hashtags, both normalized."""

    prose: str  # text without URLs, mentions, hashtags, emoji; repeats collapsed
    hashtags: tuple[str, ...]  # inline hashtags, split into words


def _strip_symbols(text: str) -> str:
    """Replace emoji, pictographs and other symbols with spaces; keep letters, marks, digits, punctuation."""
    if text.isascii():
        return text  # no emoji below U+0080; control characters are whitespace to str.split anyway
    out = []
    for ch in text.translate(_INVISIBLE):
        drop = ch >= "\u2000" and unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn", "Cc", "Cf")
        out.append(" " if drop else ch)
    return "".join(out)


def segment_words(token: str, vocabulary: frozenset[str] = HASHTAG_VOCABULARY) -> str:
    """Split a concatenated lower-case token into vocabulary words when it is fully covered, else keep it."""
    best: list[list[str] | None] = [[]] + [None] * len(token)  # best[i]: fewest words covering token[:i]
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 12), end - 1):
            head = best[start]
            if head is not None and token[start:end] in vocabulary:
                if best[end] is None or len(head) + 1 < len(best[end] or ()):
                    best[end] = head + [token[start:end]]
    words = best[len(token)]
    return " ".join(words) if words else token


def split_hashtag(tag: str) -> str:
    """Split one hashtag into words: '#' dropped, camelCase / digits / '_' boundaries, known words."""
    tag = tag.lstrip("#").replace("_", " ")
    if tag.lower() in GENERIC_TAGS:
        return ""
    words = _CAMEL_RE.sub(" ", tag).split()
    return " ".join(segment_words(w) if w.islower() and len(w) >= 6 else w for w in words)


def _calm_case(word: str) -> str:
    """Lower-case shouted words: the n-gram profiles skip all-caps words entirely."""
    if not word.isupper():
        return word
    return word.lower() if sum(map(str.isalpha, word)) > 1 else word


def normalize_prose(text: str) -> str:
    """Normalize free text: no URLs, e-mails, mentions, emoji; repeats collapsed; shouting calmed."""
    text = _EMAIL_RE.sub(" ", text)
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = _strip_symbols(text)
    text = _ONE_LETTER_RE.sub(r"\1\1", text)
    text = _FINAL_REPEAT_RE.sub(r"\1", text)
    text = _REPEAT_RE.sub(r"\1\1", text)
    return " ".join(_calm_case(word) for word in _SPACES_RE.split(text) if word)


def clean(text: str) -> CleanText:
    """Split text into normalized prose and its inline hashtags (as words)."""
    tags = tuple(filter(None, (normalize_prose(split_hashtag(tag)) for tag in _HASHTAG_RE.findall(text))))
    return CleanText(prose=normalize_prose(_HASHTAG_RE.sub(" ", text)), hashtags=tags)


def clean_hashtags(tags: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Normalize a list of hashtags (as in UploadEvent.hashtags) into word strings."""
    return tuple(filter(None, (normalize_prose(split_hashtag(tag)) for tag in tags)))


@dataclass(frozen=True)
class ScriptCounts:
    """How many letters of each writing system a text has."""

    latin: int = 0
    hangul: int = 0
    kana: int = 0
    han: int = 0
    other: int = 0

    @property
    def letters(self) -> int:
        """All letters counted."""
        return self.latin + self.hangul + self.kana + self.han + self.other


def count_scripts(text: str) -> ScriptCounts:
    """Count letters per script (Latin, Hangul, kana, Han, other)."""
    if text.isascii():
        return ScriptCounts(latin=sum(map(str.isalpha, text)))
    latin = hangul = kana = han = other = 0
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
            latin += 1
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            hangul += 1
        elif 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9D:
            kana += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            han += 1
        else:
            other += 1
    return ScriptCounts(latin, hangul, kana, han, other)
