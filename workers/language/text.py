"""Text-only language analysis: script shortcuts, the scorer, the Indonesian / Malay split, whole words,
kanji-only text and code-switching."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workers.language import lexicon
from workers.language.normalize import ScriptCounts, count_scripts
from workers.language.scorer import TextScorer, log_softmax
from workers.language.social import SocialLexicon, word_key

SCRIPT_CERTAINTY = 0.9999  # Hangul / kana text: the script alone decides
_CONFUSION_GROUPS = ({"id", "ms"}, {"es", "pt", "ca"}, {"ja", "zh"})
_HAN_FORM_LOG_ODDS = 2.0  # log-odds one telltale character form (simplified or shinjitai) adds
_HAN_ONLY_MAX_LOG_ODDS = math.log(2.0)  # kanji-only text without telltale forms: ja vs zh at most 2:1
_WINDOW = 3  # words per code-switching window
_NEGLIGIBLE = 10.0  # log-odds below the best beyond which a language's share cannot matter
_MIXED_LOG_PROB = math.log(1e-3)  # a second language below this in the whole text is not looked for


@dataclass(frozen=True)
class TextRules:
    """Whole-word knowledge and the weights the analysis applies (built once per detector)."""

    social: SocialLexicon  # social-media words, neutral words
    social_word_weight: float  # log-odds one full social word adds to its languages
    function_word_weight: float  # log-odds one function word adds in a short text
    short_words: int  # function words count fully up to this many words...
    fade_words: int  # ...fading linearly to nothing over this many more
    malay_text_share: float  # share of the scorer's own Malay-vs-Indonesian log-odds kept
    malay_marker_weight: float  # log-odds per Malay (minus Indonesian) marker word
    min_letters: int  # fewer letters carry no language
    min_share: float  # a secondary language holds at least this share of word windows
    prior: np.ndarray  # log-odds per scorer language for the code-switching windows

    def scale(self, words: int) -> float:
        """1 for a short text, 0 for a long one, linear in between."""
        excess = max(words - self.short_words, 0)
        return max(0.0, 1.0 - excess / max(self.fade_words, 1))


@dataclass(frozen=True)
class TextAnalysis:
    """What one piece of text says about its language."""

    log_probs: dict[str, float]  # natural-log probability per ISO 639-1 language
    by_script: bool  # decided by script alone (Hangul, kana)
    secondary: str | None  # second language of code-switched text
    letters: int  # letters the text had
    words: int = 0  # words the text had (after normalization)

    @property
    def top(self) -> str:
        """The most likely language of this text."""
        return max(self.log_probs, key=self.log_probs.__getitem__)


def _same_group(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _CONFUSION_GROUPS)


def _script_language(counts: ScriptCounts) -> str | None:
    """Hangul or kana text is Korean or Japanese, whatever else it contains."""
    native = counts.letters - counts.latin
    if counts.hangul and counts.hangul * 2 >= native and counts.hangul > counts.kana:
        return "ko"
    if counts.kana and (counts.kana + counts.han) * 2 >= native:
        return "ja"
    return None


def _marker_score(words: list[str], markers: dict[str, float]) -> float:
    return sum(markers.get(word, 0.0) for word in words)


def _malay_words(words: list[str]) -> list[str]:
    """Words with hyphenated parts split (kanak-kanak) and clitics stripped (saiznya -> saiz)."""
    out: list[str] = []
    for word in words:
        for part in dict.fromkeys([word, *word.split("-")]):
            clitic = next((c for c in lexicon.CLITICS if part.endswith(c) and len(part) > len(c) + 2), "")
            stem = part[: -len(clitic)] if clitic else ""
            out.extend(filter(None, (part, stem)))
    return out


def malay_markers(words: list[str]) -> float:
    """Malay minus Indonesian marker evidence of a text's lexicon-form words (spelling, vocabulary)."""
    words = _malay_words(words)
    malay = _marker_score(words, lexicon.MALAY_MARKERS) + sum(bool(lexicon.MALAY_SUFFIX.match(w)) for w in words)
    indo = _marker_score(words, lexicon.INDONESIAN_MARKERS) + sum(
        bool(lexicon.INDONESIAN_SUFFIX.match(w)) for w in words
    )
    return malay - indo


def _split_malay(logits: dict[str, float], words: list[str], rules: TextRules) -> None:
    """Split the Indonesian + Malay probability by a share of the scorer's lean and by marker words.

    lingua separates the two standards on its own but leans to Malay on formal Indonesian, so only a
    share of its log-odds is kept; langdetect has no Malay profile (its Indonesian stands for the pair).
    The platform's id/ms prior is added in the fusion, where region and declared language can outvote it.
    """
    if "id" not in logits:
        return
    indonesian, malay = logits["id"], logits.get("ms", logits["id"])
    pair = float(np.logaddexp(indonesian, malay))
    if pair < max(logits.values()) - _NEGLIGIBLE:
        logits["ms"] = malay
        return  # neither can win or show: the split (and its marker look-ups) would change nothing
    z = rules.malay_text_share * (malay - indonesian) + rules.malay_marker_weight * malay_markers(words)
    logits["ms"] = pair - math.log1p(math.exp(-z)) if z > -30 else pair + z
    logits["id"] = pair - math.log1p(math.exp(z)) if z < 30 else pair - z


def _whole_words(logits: dict[str, float], words: list[str], social: dict[str, float], rules: TextRules) -> None:
    """Function words (short texts only) and social-media words add log-odds to their languages."""
    weight = rules.function_word_weight * rules.scale(len(words))
    if weight:
        for word in words:
            langs = lexicon.FUNCTION_WORDS.get(word, ())
            for lang in langs:
                for target in ("id", "ms") if lang == "id" else (lang,):  # Indonesian's are Malay's too
                    if target in logits:
                        logits[target] += weight / len(langs)
    for lang, units in social.items():
        if lang in logits:
            logits[lang] += rules.social_word_weight * units


def _resolve_han(logits: dict[str, float], text: str) -> None:
    """Kanji-only text: telltale character forms decide; without them ja vs zh stays uncertain."""
    if "ja" not in logits or "zh" not in logits:
        return
    floor = min(logits["ja"], logits["zh"]) - 20.0  # Han-only text today is Japanese or Chinese
    for lang in logits:
        if lang not in ("ja", "zh"):
            logits[lang] = min(logits[lang], floor)
    simplified = sum(ch in lexicon.SIMPLIFIED_ONLY for ch in text)
    japanese = sum(ch in lexicon.JAPANESE_ONLY for ch in text)
    if simplified or japanese:
        logits["zh"] += _HAN_FORM_LOG_ODDS * simplified
        logits["ja"] += _HAN_FORM_LOG_ODDS * japanese
        return
    mid = (logits["ja"] + logits["zh"]) / 2
    for lang in ("ja", "zh"):
        half = _HAN_ONLY_MAX_LOG_ODDS / 2
        logits[lang] = float(np.clip(logits[lang], mid - half, mid + half))


def _normalized(logits: dict[str, float]) -> dict[str, float]:
    values = log_softmax(np.fromiter(logits.values(), dtype=np.float64))
    return dict(zip(logits, (float(v) for v in values), strict=True))


def _group_share(lang: str, shares: dict[str, float], log_probs: dict[str, float]) -> float:
    """A language's share of windows, splitting its confusion group's share by the whole-text scores."""
    group = [other for other in log_probs if _same_group(other, lang)]
    top = max(log_probs[other] for other in group)  # shift before exp: long texts underflow to 0/0
    within = math.exp(log_probs[lang] - top) / sum(math.exp(log_probs[other] - top) for other in group)
    return within * sum(share for other, share in shares.items() if _same_group(other, lang))


def lexical_rows(scorer: TextScorer, words: list[str], rules: TextRules) -> np.ndarray:
    """Per-word log-probabilities plus whole-word knowledge (function words, social words)."""
    matrix = scorer.word_log_probs(words).copy()
    column = {lang: i for i, lang in enumerate(scorer.languages)}
    for row, word in enumerate(word_key(w) for w in words):
        langs = lexicon.FUNCTION_WORDS.get(word, ())
        for lang in langs:
            if lang in column:
                matrix[row, column[lang]] += rules.function_word_weight / len(langs)
        for lang, share in rules.social.word_evidence(word):
            if lang in column:
                matrix[row, column[lang]] += rules.social_word_weight * share
    return matrix


def window_posteriors(matrix: np.ndarray, prior: np.ndarray, width: int = _WINDOW) -> np.ndarray:
    """Posterior over languages of each run of `width` consecutive word rows, with the language prior."""
    cumulative = np.vstack([np.zeros(matrix.shape[1]), np.cumsum(matrix, axis=0)])
    windows = cumulative[width:] - cumulative[:-width] + prior
    windows -= windows.max(axis=1, keepdims=True)
    probs = np.exp(windows)
    return probs / probs.sum(axis=1, keepdims=True)


def code_switch(
    languages: tuple[str, ...], matrix: np.ndarray, prior: np.ndarray, min_share: float
) -> dict[str, float] | None:
    """Share of the text's 3-word windows per language when two unrelated languages each hold min_share."""
    if len(matrix) <= _WINDOW:
        return None  # one window: nothing to compare
    votes = [languages[int(i)] for i in window_posteriors(matrix, prior).argmax(axis=1)]
    shares = {lang: votes.count(lang) / len(votes) for lang in sorted(set(votes))}
    major = [lang for lang, share in shares.items() if share >= min_share and votes.count(lang) >= 2]
    unrelated = [(a, b) for a in major for b in major if a < b and not _same_group(a, b)]
    return shares if unrelated else None


def _script_analysis(scorer: TextScorer, prose: str, language: str, counts: ScriptCounts) -> TextAnalysis:
    """A certain decision from the script, with the Latin part checked for code-switching."""
    rest = math.log((1 - SCRIPT_CERTAINTY) / len(scorer.languages))
    log_probs = dict.fromkeys(scorer.languages, rest)
    log_probs[language] = math.log(SCRIPT_CERTAINTY)
    secondary = None
    if counts.latin >= 6 and counts.latin * 4 >= counts.letters:
        latin = "".join(ch if ch < "\u0250" else " " for ch in prose)
        scores = scorer.text_log_probs(latin) if len(latin.split()) >= 2 else None
        if scores is not None:
            secondary = scorer.languages[int(np.argmax(scores))]
    return TextAnalysis(
        log_probs, True, secondary if secondary != language else None, counts.letters, len(prose.split())
    )


def _may_be_mixed(languages: tuple[str, ...], log_probs: np.ndarray) -> bool:
    """Whether the whole-text scores leave room for an unrelated second language (windows are costly).

    On dev sentences, 96 % of monolingual ones give every language unrelated to the top < 1e-3, while
    id-en and ko-en mixes give English 0.006-0.2; most false secondaries were in the first group.
    """
    top = languages[int(np.argmax(log_probs))]
    return any(
        value >= _MIXED_LOG_PROB for lang, value in zip(languages, log_probs, strict=True) if not _same_group(lang, top)
    )


def analyze_text(scorer: TextScorer, prose: str, rules: TextRules) -> TextAnalysis | None:
    """Analyze normalized text; None when it carries no language signal."""
    counts = count_scripts(prose)
    if counts.letters < rules.min_letters:
        return None
    script_language = _script_language(counts)
    if script_language:
        return _script_analysis(scorer, prose, script_language, counts)
    words = [word_key(token) for token in prose.split()]
    social = rules.social.evidence(words)
    scored_text = rules.social.ngram_text(prose)  # spelled laughter (wkwk, jajaja) is noise to a scorer
    base = scorer.text_log_probs(scored_text)
    if base is None and not social:
        return None
    logits = (
        dict(zip(scorer.languages, (float(v) for v in base), strict=True))
        if base is not None
        else {lang: 0.0 for lang in scorer.languages}
    )
    _split_malay(logits, words, rules)
    _whole_words(logits, words, social, rules)
    if counts.han * 2 > counts.letters and not counts.kana and not counts.hangul:
        _resolve_han(logits, prose)
    log_probs = _normalized(logits)
    ngram_words = scored_text.split()
    shares = (
        code_switch(scorer.languages, lexical_rows(scorer, ngram_words, rules), rules.prior, rules.min_share)
        if len(ngram_words) > _WINDOW and base is not None and _may_be_mixed(scorer.languages, base)
        else None
    )
    if shares is None:
        return TextAnalysis(log_probs, False, None, counts.letters, len(words))
    top = max(log_probs, key=log_probs.__getitem__)
    if sum(share for lang, share in shares.items() if _same_group(lang, top)) >= rules.min_share:
        # The whole-text winner is one of the languages: keep it, report the other.
        other = max((lang for lang in shares if not _same_group(lang, top)), key=shares.__getitem__)
        return TextAnalysis(log_probs, False, other, counts.letters, len(words))
    # Code-switched: one language cannot explain the whole text, so trust the windows' vote instead.
    mixed = {
        lang: math.log(max(_group_share(lang, shares, log_probs), 1e-3)) + 1e-3 * log_probs[lang] for lang in logits
    }
    ranked = sorted(shares, key=lambda lang: -mixed[lang])
    secondary = next(lang for lang in ranked[1:] if not _same_group(lang, ranked[0]))
    return TextAnalysis(_normalized(mixed), False, secondary, counts.letters, len(words))
