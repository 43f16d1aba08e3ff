"""Text-only language analysis: script shortcuts, the n-gram scorer, the known confusions, code-switching."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workers.language import lexicon
from workers.language.normalize import ScriptCounts, count_scripts
from workers.language.scorer import NgramScorer, WordScores, log_softmax
from workers.language.shorttext import WordRules, add_social_words, short_text_prior
from workers.language.social import word_key

SCRIPT_CERTAINTY = 0.9999  # Hangul / kana text: the script alone decides
_CONFUSION_GROUPS = ({"id", "ms"}, {"es", "pt", "ca", "gl"}, {"ja", "zh"})
_MARKER_LOG_ODDS = 2.0
_FUNCTION_WORD_LOG_ODDS = 1.5  # log-odds one full-weight marker word adds
_MALAY_DEFAULT_LOG_ODDS = -0.85  # without markers, Indonesian is ~70 % of id/ms text on our platform
_GALICIAN_PENALTY = 2.0  # no Galician profile: a virtual one, reachable only through its markers
_HAN_ONLY_MAX_LOG_ODDS = math.log(2.0)  # kanji-only text without telltale forms: ja vs zh at most 2:1


@dataclass(frozen=True)
class TextAnalysis:
    """What one piece of text says about its language."""

    log_probs: dict[str, float]  # natural-log probability per ISO 639-1 language (short-text prior only)
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


def _iso_logits(scorer: NgramScorer, logits: np.ndarray) -> dict[str, float]:
    """Merge langdetect's zh-cn / zh-tw into ISO 'zh'; keep the rest as they are."""
    out = {lang: float(value) for lang, value in zip(scorer.languages, logits, strict=True)}
    zh = [out.pop(code) for code in ("zh-cn", "zh-tw") if code in out]
    if zh:
        out["zh"] = float(np.logaddexp.reduce(zh))
    return out


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


def _split_malay(logits: dict[str, float], words: list[str], social: dict[str, float]) -> None:
    """langdetect has no Malay profile: split the Indonesian score by Malay vs Indonesian markers."""
    words = _malay_words(words)
    malay = _marker_score(words, lexicon.MALAY_MARKERS) + sum(bool(lexicon.MALAY_SUFFIX.match(w)) for w in words)
    indo = _marker_score(words, lexicon.INDONESIAN_MARKERS) + sum(
        bool(lexicon.INDONESIAN_SUFFIX.match(w)) for w in words
    )
    malay, indo = malay + social.get("ms", 0.0), indo + social.get("id", 0.0)
    z = _MALAY_DEFAULT_LOG_ODDS + _MARKER_LOG_ODDS * (malay - indo)
    # Either standard's marker words are also evidence for the pair against every other language.
    base = logits["id"] + _MARKER_LOG_ODDS * min(malay + indo, 3) / 2
    logits["ms"] = base - math.log1p(math.exp(-z))
    logits["id"] = base - math.log1p(math.exp(z))


def _resolve_iberian(logits: dict[str, float], words: list[str], text: str) -> None:
    """Spanish / Portuguese / Catalan / Galician: function words and letters settle what n-grams blur."""
    logits["gl"] = max(logits["es"], logits["pt"]) - _GALICIAN_PENALTY
    for lang in lexicon.IBERIAN:
        hits = sum(word in lexicon.IBERIAN_MARKERS[lang] for word in words)
        hits += sum(ch in lexicon.IBERIAN_CHARS[lang] for ch in text)
        logits[lang] += _MARKER_LOG_ODDS * min(hits, 6) / 2


def _resolve_han(logits: dict[str, float], text: str) -> None:
    """Kanji-only text: telltale character forms decide; without them ja vs zh stays uncertain."""
    floor = min(logits["ja"], logits["zh"]) - 20.0  # Han-only text today is Japanese or Chinese
    for lang in logits:
        if lang not in ("ja", "zh"):
            logits[lang] = min(logits[lang], floor)
    simplified = sum(ch in lexicon.SIMPLIFIED_ONLY for ch in text)
    japanese = sum(ch in lexicon.JAPANESE_ONLY for ch in text)
    if simplified or japanese:
        logits["zh"] += _MARKER_LOG_ODDS * simplified
        logits["ja"] += _MARKER_LOG_ODDS * japanese
        return
    mid = (logits["ja"] + logits["zh"]) / 2
    for lang in ("ja", "zh"):
        half = _HAN_ONLY_MAX_LOG_ODDS / 2
        logits[lang] = float(np.clip(logits[lang], mid - half, mid + half))


def _function_words(logits: dict[str, float], words: list[str], weight: float) -> None:
    """Whole function words: decisive in 1-3-word texts, negligible against a sentence's n-grams."""
    for word in words:
        langs = lexicon.FUNCTION_WORDS.get(word, ())
        for lang in langs:
            logits[lang] += weight / len(langs)


def _resolve(
    logits: dict[str, float], text: str, counts: ScriptCounts, function_word_weight: float, rules: WordRules | None
) -> None:
    """Apply whole-word knowledge, the known-confusion rules, then the short-text prior."""
    words = [word_key(token) for token in text.split()]
    _function_words(logits, words, function_word_weight)
    social = rules.social.evidence(words) if rules else {}
    if rules:
        add_social_words(logits, social, rules.social_word_weight)
    top = max(logits, key=logits.__getitem__)
    _split_malay(logits, words, social)
    if top in lexicon.IBERIAN:
        _resolve_iberian(logits, words, text.lower())
    if counts.han * 2 > counts.letters and not counts.kana and not counts.hangul:
        _resolve_han(logits, text)
    if rules and counts.latin * 2 > counts.letters:  # other scripts: the script already narrows it down
        short_text_prior(logits, words, text.lower(), social, rules)


def _normalized(logits: dict[str, float]) -> dict[str, float]:
    values = log_softmax(np.fromiter(logits.values(), dtype=np.float64))
    return dict(zip(logits, (float(v) for v in values), strict=True))


def _group_share(lang: str, shares: dict[str, float], log_probs: dict[str, float]) -> float:
    """A language's share of windows, splitting its confusion group's share by the whole-text scores."""
    group = [other for other in log_probs if _same_group(other, lang)]
    top = max(log_probs[other] for other in group)  # shift before exp: long texts underflow to 0/0
    within = math.exp(log_probs[lang] - top) / sum(math.exp(log_probs[other] - top) for other in group)
    return within * sum(share for other, share in shares.items() if _same_group(other, lang))


def lexical_rows(
    scorer: NgramScorer, scores: WordScores, temperature: float, weight: float, rules: WordRules | None = None
) -> np.ndarray:
    """Word rows plus whole-word knowledge (function words, social words, id/ms markers), in scorer units."""
    matrix = scores.matrix.copy()
    column = {lang: i for i, lang in enumerate(scorer.languages)}
    for row, word in enumerate(scores.words):
        word = word.lower()
        langs = lexicon.FUNCTION_WORDS.get(word, ())
        for lang in langs:
            matrix[row, column[lang]] += weight * temperature / len(langs)
        social_weight = rules.social_word_weight * temperature if rules else 0.0
        for lang, share in rules.social.word_evidence(word) if rules else ():
            matrix[row, column["id" if lang == "ms" else lang]] += social_weight * share
        if word in lexicon.MALAY_MARKERS or word in lexicon.INDONESIAN_MARKERS:
            matrix[row, column["id"]] += _MARKER_LOG_ODDS * temperature
    return matrix


def window_posteriors(matrix: np.ndarray, temperature: float, prior: np.ndarray, width: int = 3) -> np.ndarray:
    """Posterior over languages of each run of `width` consecutive word rows, with the language prior."""
    cumulative = np.vstack([np.zeros(matrix.shape[1]), np.cumsum(matrix, axis=0)])
    windows = (cumulative[width:] - cumulative[:-width]) / temperature + prior
    windows -= windows.max(axis=1, keepdims=True)
    probs = np.exp(windows)
    return probs / probs.sum(axis=1, keepdims=True)


def code_switch(
    scorer: NgramScorer, matrix: np.ndarray, temperature: float, prior: np.ndarray, min_share: float
) -> dict[str, float] | None:
    """Share of the text's 3-word windows per language when two unrelated languages each hold min_share."""
    if len(matrix) < 4:
        return None
    windows = window_posteriors(matrix, temperature, prior)
    votes = [scorer.languages[int(i)].split("-")[0] for i in windows.argmax(axis=1)]
    shares = {lang: votes.count(lang) / len(votes) for lang in sorted(set(votes))}
    major = [lang for lang, share in shares.items() if share >= min_share and votes.count(lang) >= 2]
    unrelated = [(a, b) for a in major for b in major if a < b and not _same_group(a, b)]
    return shares if unrelated else None


def _script_analysis(scorer: NgramScorer, prose: str, language: str, counts: ScriptCounts) -> TextAnalysis:
    """A certain decision from the script, with the Latin part checked for code-switching."""
    rest = math.log((1 - SCRIPT_CERTAINTY) / len(scorer.languages))
    log_probs = dict.fromkeys((lang.split("-")[0] for lang in scorer.languages), rest)
    log_probs[language] = math.log(SCRIPT_CERTAINTY)
    secondary = None
    if counts.latin >= 6 and counts.latin * 4 >= counts.letters:
        latin = scorer.word_scores("".join(ch if ch < "\u0250" else " " for ch in prose))
        if len(latin.words) >= 2:
            secondary = scorer.languages[int(np.argmax(latin.matrix.sum(axis=0)))].split("-")[0]
    return TextAnalysis(
        log_probs, True, secondary if secondary != language else None, counts.letters, len(prose.split())
    )


def analyze_text(
    scorer: NgramScorer,
    prose: str,
    *,
    temperature: float,
    min_letters: int,
    min_share: float,
    prior: np.ndarray,
    function_word_weight: float,
    rules: WordRules | None = None,
) -> TextAnalysis | None:
    """Analyze normalized text; None when it carries no language signal."""
    counts = count_scripts(prose)
    if counts.letters < min_letters:
        return None
    script_language = _script_language(counts)
    if script_language:
        return _script_analysis(scorer, prose, script_language, counts)
    scores = scorer.word_scores(rules.social.ngram_text(prose) if rules else prose)
    n_words = len(prose.split())
    if scores.ngrams == 0 and not (rules and rules.social.evidence([word_key(t) for t in prose.split()])):
        return None
    logits = _iso_logits(scorer, scores.matrix.sum(axis=0) / temperature)
    _resolve(logits, prose, counts, function_word_weight, rules)
    matrix = lexical_rows(scorer, scores, temperature, function_word_weight, rules)
    shares = code_switch(scorer, matrix, temperature, prior, min_share)
    log_probs = _normalized(rules.sharpen(logits, n_words) if rules else logits)
    if shares is None:
        return TextAnalysis(log_probs, False, None, counts.letters, n_words)
    top = max(log_probs, key=log_probs.__getitem__)
    if sum(share for lang, share in shares.items() if _same_group(lang, top)) >= min_share:
        # The whole-text winner is one of the languages: keep it, report the other.
        other = max((lang for lang in shares if not _same_group(lang, top)), key=shares.__getitem__)
        return TextAnalysis(log_probs, False, other, counts.letters, n_words)
    # Code-switched: one language cannot explain the whole text, so trust the windows' vote instead.
    tie_break = _normalized(logits)  # equal shares: the whole-text score decides, by a hair
    mixed = {
        lang: math.log(max(_group_share(lang, shares, log_probs), 1e-3)) + 1e-3 * tie_break[lang] for lang in logits
    }
    ranked = sorted(shares, key=lambda lang: -mixed[lang])
    secondary = next(lang for lang in ranked[1:] if not _same_group(lang, ranked[0]))
    return TextAnalysis(_normalized(mixed), False, secondary, counts.letters, n_words)
