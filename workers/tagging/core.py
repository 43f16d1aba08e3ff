"""The tag stage's pure core: text fields of an upload -> health topics with evidence.

Which terms apply: the decided language, the secondary language and English (social-media English is
everywhere); an undetermined language ("und") or one without terms applies every language's terms
(short captions are where detection fails). Hashtags are matched against every language.

Negation: a match is dropped when a negation cue sits among the few words before it in the same clause
("I'm not depressed" -> no depression tag; "I don't want to die" -> no suicide tag) or, in ja/ko,
right after it ("死にたくない" is not matched as 死にたい anyway; "자살하지 않" is negated). Phrases that
carry their own negation ("don't want to live") are terms and are unaffected. Non-health senses
("tropical depression", "killing it", "suicide squad", "bom bunuh diri") are listed in the taxonomy;
a match inside one is dropped. A topic's own ``senses`` block only that topic ("detox tea" is not
substance use, but the same span may still be nutrition or a misinformation signal).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from workers.tagging.normalize import hashtag_spans, normalize_text
from workers.tagging.taxonomy import Taxonomy, TermHit
from workers.tagging.types import (
    LEARNED_SOURCE,
    LEARNED_TERM,
    TagInput,
    TagOptions,
    TagResult,
    TopicEvidence,
    TopicTag,
)

MISINFORMATION = "misinformation_signal"


class TopicSignal(Protocol):
    """A learned second opinion on a few topics (``learned.LearnedSignal``; tests use fakes)."""

    languages: frozenset[str]

    def topic_probabilities(self, text: str) -> Mapping[str, float]:
        """Probability per known topic for one upload's text."""
        ...


_CLAUSE_BREAK = re.compile(r"[.!?;:,\n()\"]")
_WORD = re.compile(r"[\w']+")


def select_languages(fields: TagInput, taxonomy: Taxonomy, options: TagOptions) -> tuple[str, ...]:
    """The languages whose terms are applied to this upload's transcript and caption."""
    known = set(taxonomy.languages)
    if fields.language not in known:
        return taxonomy.languages if fields.language in ("und", "") else _with_english({"en"} & known, options)
    chosen = {fields.language} | ({fields.secondary_language} & known if fields.secondary_language else set())
    return _with_english(chosen, options)


def _with_english(chosen: set[str], options: TagOptions) -> tuple[str, ...]:
    return tuple(sorted(chosen | ({"en"} if options.include_english else set())))


def _words_before(text: str, start: int, window: int) -> list[str]:
    head = text[max(0, start - 120) : start]
    clause = _CLAUSE_BREAK.split(head)[-1]
    return _WORD.findall(clause)[-window:] if window > 0 else []


def _cue_in(words: list[str], cues: frozenset[str]) -> bool:
    return any(w in cues or (w[:2] + "'" in cues if len(w) > 2 and w[1] == "'" else False) for w in words)


_AFTER_WINDOW = 12  # characters after a ja/ko match searched for a negation ("…したいわけじゃない")


@dataclass(frozen=True)
class LanguageContext:
    """What the applied languages share: a Spanish "no" negates an English term in Spanglish, and a
    French "attentat suicide" blocks the English term "suicide"."""

    negation_before: frozenset[str]
    negation_after: tuple[str, ...]
    blockers: tuple[re.Pattern[str], ...]
    topic_blockers: tuple[tuple[str, re.Pattern[str]], ...] = ()

    @classmethod
    def for_languages(cls, languages: tuple[str, ...], taxonomy: Taxonomy) -> LanguageContext:
        """Union of the cues and non-health senses of ``languages``."""
        matchers = [taxonomy.matchers[lang] for lang in languages]
        return cls(
            frozenset().union(*(m.negation_before for m in matchers)),
            tuple(c for m in matchers for c in m.negation_after),
            tuple(m.blockers for m in matchers if m.blockers is not None),
            tuple((t, p) for m in matchers for t, p in m.topic_blockers.items()),
        )

    def blocked_spans(self, text: str) -> dict[str | None, list[tuple[int, int]]]:
        """Spans of ``text`` that are non-health senses: for every topic (key None) or for one topic."""
        spans: dict[str | None, list[tuple[int, int]]] = defaultdict(list)
        spans[None] = [m.span() for pattern in self.blockers for m in pattern.finditer(text)]
        for topic, pattern in self.topic_blockers:
            spans[topic].extend(m.span() for m in pattern.finditer(text))
        return spans


def is_negated(
    text: str, span: tuple[int, int], substring: bool, context: LanguageContext, options: TagOptions
) -> bool:
    """Whether a negation cue governs the match at ``text[span[0]:span[1]]``."""
    start, end = span
    if substring:
        tail = text[end : end + _AFTER_WINDOW]
        return any(cue in tail for cue in context.negation_after)
    return _cue_in(_words_before(text, start, options.negation_window), context.negation_before)


def _keep(
    text: str,
    span: tuple[int, int],
    hit: TermHit,
    blocked: dict[str | None, list[tuple[int, int]]],
    substring: bool,
    context: LanguageContext,
    taxonomy: Taxonomy,
    options: TagOptions,
) -> bool:
    start, end = span
    if any(b_start < end and start < b_end for b_start, b_end in blocked[None] + blocked.get(hit.topic, [])):
        return False
    debunk_words = _words_before(text, start, options.debunk_window)
    if hit.topic == MISINFORMATION and _cue_in(debunk_words, taxonomy.debunk_cues):
        return False
    return not is_negated(text, span, substring, context, options)


def match_text(
    source: str, text: str, languages: tuple[str, ...], taxonomy: Taxonomy, options: TagOptions
) -> Iterator[tuple[TermHit, TopicEvidence]]:
    """Every kept term match in one normalized text field."""
    # Built at the first term match: most texts have none and never need the cues or the senses.
    context: LanguageContext | None = None
    blocked: dict[str | None, list[tuple[int, int]]] = {}
    for language in languages:
        matcher = taxonomy.matchers[language]
        for topic_matcher in matcher.candidate_topics(text):
            for match in topic_matcher.pattern.finditer(text):
                if context is None:
                    context = LanguageContext.for_languages(languages, taxonomy)
                    blocked = context.blocked_spans(text)
                for hit in topic_matcher.hits[match.lastgroup or ""]:
                    if _keep(text, match.span(), hit, blocked, matcher.substring, context, taxonomy, options):
                        yield hit, TopicEvidence(source, match.start(), match.end(), hit.term)


def match_hashtags(hashtags: tuple[str, ...], taxonomy: Taxonomy) -> Iterator[tuple[TermHit, TopicEvidence]]:
    """Every hashtag that is a taxonomy hashtag or a term written without spaces."""
    text, spans = hashtag_spans(hashtags)
    for start, end in spans:
        tag = text[start:end]
        if tag.startswith(taxonomy.hashtag_blockers):  # str.startswith tries a tuple of prefixes in C
            continue
        hits = taxonomy.hashtag_exact.get(tag) or (
            next(h for prefix, h in taxonomy.hashtag_prefixes if tag.startswith(prefix))
            if tag.startswith(taxonomy.hashtag_prefix_keys) else ()
        )
        for hit in hits:
            yield hit, TopicEvidence("hashtags", start, end, hit.term)


def _all_matches(
    fields: TagInput, taxonomy: Taxonomy, options: TagOptions
) -> dict[str, list[tuple[TermHit, TopicEvidence]]]:
    languages = select_languages(fields, taxonomy, options)
    streams = [
        match_text("transcript", normalize_text(fields.transcript), languages, taxonomy, options),
        match_text("caption", normalize_text(fields.caption), languages, taxonomy, options),
        match_hashtags(fields.hashtags, taxonomy),
    ]
    # The same span can match in two languages ("overthinking": en weak, id medium): keep the heavier.
    best: dict[tuple[str, str, int, int], tuple[TermHit, TopicEvidence]] = {}
    for stream in streams:
        for hit, evidence in stream:
            key = (hit.topic, evidence.source, evidence.start, evidence.end)
            if key not in best or hit.weight > best[key][0].weight:
                best[key] = (hit, evidence)
    found: dict[str, list[tuple[TermHit, TopicEvidence]]] = defaultdict(list)
    for hit, evidence in best.values():
        found[hit.topic].append((hit, evidence))
    return found


def combine(weights: list[float]) -> float:
    """Noisy-or of independent pieces of evidence: 1 - prod(1 - w)."""
    return 1.0 - math.prod(1.0 - w for w in weights)


def _topic_score(matches: list[tuple[TermHit, TopicEvidence]], options: TagOptions) -> tuple[float, float]:
    """(score, unanchored score): the second counts weak-only evidence, for the learned signal."""
    counts: dict[str, int] = defaultdict(int)
    weights: list[float] = []
    for hit, _ in matches:
        counts[hit.term] += 1
        if counts[hit.term] <= options.max_repeats_per_term:
            weights.append(hit.weight)
    # Weak terms only support a topic that has a medium or strong match of its own.
    anchored = any(w >= options.min_score for w in weights)
    return (combine(weights) if anchored else 0.0), combine(weights)


def apply_learned(
    leaf: dict[str, tuple[float, float]],
    probabilities: Mapping[str, float],
    options: TagOptions,
    addable: frozenset[str] | None = None,
) -> dict[str, float]:
    """Leaf scores after the learned signal: veto unlikely keyword topics; on long texts confirm and add topics.

    A vetoed topic scores 0. Topics the head does not know keep their keyword score. ``addable`` is None
    for a short text (see ``tag``), where the head only vetoes. On a long text a confirmed weak-only
    topic scores ``min_score`` (it has evidence, only weak), and so does a topic in ``addable`` that the
    head rates at least ``learned_add_at`` without any keyword evidence: on posts the head finds what no
    listed term says, and ``min_score`` keeps such a topic below the PSA and boost thresholds.
    """
    adjusted = {}
    for topic, (score, unanchored) in leaf.items():
        p = probabilities.get(topic)
        if p is None:
            adjusted[topic] = score
        elif score >= options.min_score:
            adjusted[topic] = score if p >= options.learned_veto_below else 0.0
        else:
            confirm_at = options.learned_confirm_at if addable is not None else None
            confirm = confirm_at is not None and unanchored > 0 and p >= confirm_at
            adjusted[topic] = options.min_score if confirm else score
    add_at = options.learned_add_at
    for topic in addable or ():
        likely = add_at is not None and probabilities.get(topic, 0.0) >= add_at
        if likely and adjusted.get(topic, 0.0) < options.min_score:
            adjusted[topic] = options.min_score
    return adjusted


def _scores(
    found: dict[str, list[tuple[TermHit, TopicEvidence]]],
    taxonomy: Taxonomy,
    options: TagOptions,
    probabilities: Mapping[str, float] | None,
    learned_span: TopicEvidence | None = None,
) -> dict[str, tuple[float, list[TopicEvidence]]]:
    # ``learned_span`` is set for a long text, where the head may add topics; it is their evidence.
    leaf = {t: _topic_score(m, options) for t, m in found.items()}
    addable = frozenset(taxonomy.topics) if learned_span else None
    adjusted = (
        apply_learned(leaf, probabilities, options, addable) if probabilities else {t: s for t, (s, _) in leaf.items()}
    )
    added = [learned_span] if learned_span else []
    scores = {t: (score, [e for _, e in found.get(t, [])] or added) for t, score in adjusted.items()}
    for parent in {info.parent for info in taxonomy.topics.values() if info.parent}:
        children = [scores[c] for c in taxonomy.children(parent) if c in scores and scores[c][0] >= options.min_score]
        if not children:
            continue
        own_score, own_evidence = scores.get(parent, (0.0, []))
        best_child = max(score for score, _ in children)
        evidence = own_evidence + [e for _, child_evidence in children for e in child_evidence]
        scores[parent] = (combine([own_score, best_child]), evidence)
    return scores


def _evidence_order(evidence: TopicEvidence) -> tuple[int, int, int]:
    return (
        {"transcript": 0, "caption": 1, "hashtags": 2}.get(evidence.source, 3),
        evidence.start,
        evidence.end,
    )


def learned_text(fields: TagInput) -> str:
    """The text the learned signal reads: transcript, caption and hashtags."""
    return "\n".join(part for part in (fields.transcript, fields.caption, " ".join(fields.hashtags)) if part)


def _probabilities(
    text: str, found: dict[str, list[tuple[TermHit, TopicEvidence]]], signal: TopicSignal, options: TagOptions,
    long_text: bool,
) -> Mapping[str, float] | None:
    # The model is only run when it can change something: keyword evidence to veto or confirm, or a long
    # text where the head may add a topic (a threshold above 1 never adds: no ~15 ms model run for it).
    may_add = long_text and options.learned_add_at is not None and options.learned_add_at <= 1.0
    return signal.topic_probabilities(text) if found or may_add else None


def tag(fields: TagInput, taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None) -> TagResult:
    """Tag one upload's transcript, caption and hashtags with health topics, best first.

    ``signal`` (optional, see ``learned.py``) is used when ``options.use_learned_signal`` is set.
    """
    found = _all_matches(fields, taxonomy, options)
    probabilities, span = None, None
    if signal is not None and options.use_learned_signal and fields.language in signal.languages:
        text = learned_text(fields)
        # The head was trained on posts: on a one-line caption or sentence it mistakes topic-adjacent words
        # ("addicted to this show", "the main local beer", "the nervous system") for the condition, so only
        # on a long text may it confirm a weak-only topic or add one; on any text it may veto.
        long_text = len(text.split()) >= options.learned_min_words
        probabilities = _probabilities(text, found, signal, options, long_text)
        if probabilities is not None and long_text:  # the evidence of a topic the head adds: what it read
            span = TopicEvidence(LEARNED_SOURCE, 0, len(text), LEARNED_TERM)
    scores = _scores(found, taxonomy, options, probabilities, span)
    topics = [
        TopicTag(topic, round(score, 4), tuple(sorted(set(evidence), key=_evidence_order)[: options.max_evidence]))
        for topic, (score, evidence) in scores.items()
        if score >= options.min_score
    ]
    topics.sort(key=lambda t: (-t.score, t.topic))
    return TagResult(topics=tuple(topics), taxonomy_version=taxonomy.version)
