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

from workers.tagging.claims import CLAIM_SOURCE, ClaimMatcher
from workers.tagging.learned import CRISIS_HEAD, NEVER_VETO, HeadPolicy
from workers.tagging.normalize import hashtag_spans, normalize_text, repair_mojibake
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
CRISIS_TOPIC = "suicide_self_harm"
MENTAL_HEALTH = "mental_health"  # the parent of the mental-health topics


class TopicSignal(Protocol):
    """A learned second opinion (``learned.LearnedSignal``; tests use fakes)."""

    languages: frozenset[str]
    policy: Mapping[str, HeadPolicy]

    def topic_probabilities(self, text: str) -> Mapping[str, float]:
        """Calibrated probability per head (topics and ``CRISIS_HEAD``) for one upload's text."""
        ...

    def best_sentence(self, text: str, head: str) -> tuple[int, int]:
        """Offsets in ``text`` of the sentence that drove ``head``."""
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


# A cue after "que" is a comparison, not a negation: "hoy más que nunca quiero desaparecer", "mais do que nunca".
_COMPARATIVE = frozenset({"que"})


# A cue right after "if" negates the condition, not what follows it: "se eu não sair logo vou me matar", "if I
# don't get out I'll kill myself". Only when a word stands between the cue and the match ("if I don't kill
# myself" is still negated).
_CONDITIONAL = frozenset({"if", "se", "si", "kalau", "kalo", "jika", "klo", "quand", "cuando", "quando"})


def _negation_in(words: list[str], cues: frozenset[str], before: list[str] | None = None) -> bool:
    """Whether a cue among ``words`` (the window before a match) negates it; ``before``: the clause's words
    before the window, read only for a conditional in front of a cue at the window's start."""
    context = [*(before or []), *words]
    offset = len(context) - len(words)
    return any(
        _cue_in([w], cues)
        and not (i and words[i - 1] in _COMPARATIVE)
        and not (i < len(words) - 1 and _CONDITIONAL & set(context[max(0, offset + i - 2) : offset + i]))
        for i, w in enumerate(words)
    )


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
    """Whether a negation cue governs the match at ``text[span[0]:span[1]]``.

    A term that starts with its own negation ("no quiero existir", "don't want to live") is not negated by
    a cue before it: "no, no quiero existir" repeats the no for emphasis.
    """
    start, end = span
    if substring:
        tail = text[end : end + _AFTER_WINDOW]
        return any(cue in tail for cue in context.negation_after)
    first = _WORD.findall(text[start:end])[:1]
    if first and _cue_in(first, context.negation_before):
        return False
    window = _words_before(text, start, options.negation_window + 2)
    cut = max(0, len(window) - options.negation_window)
    return _negation_in(window[cut:], context.negation_before, window[:cut])


def _drop_reason(
    text: str,
    span: tuple[int, int],
    hit: TermHit,
    blocked: dict[str | None, list[tuple[int, int]]],
    substring: bool,
    context: LanguageContext,
    taxonomy: Taxonomy,
    options: TagOptions,
) -> str | None:
    """Why the match at ``span`` is dropped: "sense", "debunk", "negated", or None (kept)."""
    start, end = span
    if any(b_start < end and start < b_end for b_start, b_end in blocked[None] + blocked.get(hit.topic, [])):
        return "sense"
    debunk_words = _words_before(text, start, options.debunk_window)
    if hit.topic == MISINFORMATION and _cue_in(debunk_words, taxonomy.debunk_cues):
        return "debunk"
    return "negated" if is_negated(text, span, substring, context, options) else None


# How firmly the words ruled a topic out (``match_text``'s ``dropped``, the strongest per topic): a negated weak
# term says little ("I don't wanna die but I know I have to"); a non-health sense or a debunk is an idiom, which
# in a long post does not speak for the whole text; the negation of a term that alone tags the topic ("I'm not
# suicidal") says no (for the crisis topic, at any length).
WEAKLY_NEGATED, FIGURATIVE, NEGATED = 0, 1, 2


def _firmness(reason: str, hit: TermHit, options: TagOptions) -> int:
    if reason != "negated":
        return FIGURATIVE
    return NEGATED if hit.weight >= options.min_score else WEAKLY_NEGATED


def match_text(
    source: str, text: str, languages: tuple[str, ...], taxonomy: Taxonomy, options: TagOptions,
    dropped: dict[str, int] | None = None,
) -> Iterator[tuple[TermHit, TopicEvidence]]:
    """Every kept term match in one normalized text field.

    The topics of dropped matches go into ``dropped`` (the learned heads may not add those topics back), with
    how firmly the words ruled each out (``WEAKLY_NEGATED``, ``FIGURATIVE``, ``NEGATED``).
    """
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
                    reason = _drop_reason(text, match.span(), hit, blocked, matcher.substring, context, taxonomy,
                                          options)
                    if reason is None:
                        yield hit, TopicEvidence(source, match.start(), match.end(), hit.term)
                    elif dropped is not None:
                        firmness = _firmness(reason, hit, options)
                        dropped[hit.topic] = max(dropped.get(hit.topic, WEAKLY_NEGATED), firmness)


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
    fields: TagInput, taxonomy: Taxonomy, options: TagOptions, dropped: dict[str, int] | None = None
) -> dict[str, list[tuple[TermHit, TopicEvidence]]]:
    languages = select_languages(fields, taxonomy, options)
    streams = [
        match_text("transcript", normalize_text(fields.transcript), languages, taxonomy, options, dropped),
        match_text("caption", normalize_text(fields.caption), languages, taxonomy, options, dropped),
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


def _topic_score(matches: list[tuple[TermHit, TopicEvidence]], options: TagOptions) -> float:
    """Noisy-or of a topic's matches; weak terms only count beside a medium or strong one."""
    counts: dict[str, int] = defaultdict(int)
    weights: list[float] = []
    for hit, _ in matches:
        counts[hit.term] += 1
        if counts[hit.term] <= options.max_repeats_per_term:
            weights.append(hit.weight)
    anchored = any(w >= options.min_score for w in weights)
    return combine(weights) if anchored else 0.0


def apply_learned(
    leaf: Mapping[str, float],
    probabilities: Mapping[str, float],
    policy: Mapping[str, HeadPolicy],
    options: TagOptions,
    ruled_out: frozenset[str] = frozenset(),
    language: str = "und",
) -> tuple[dict[str, float], frozenset[str]]:
    """Keyword scores after the learned heads, and the topics the heads added.

    Per topic, as its policy says: a keyword topic the head rates below ``veto_below`` is dropped (never
    suicide_self_harm, ``NEVER_VETO``); a topic without a keyword match that the head rates at least
    ``add_at`` is added and scores its calibrated probability (at least ``min_score``, so it is emitted),
    unless a negated or figurative term of that topic ruled it out (``ruled_out``).
    """
    adjusted = dict(leaf)
    added = set()
    for topic, rule in policy.items():
        p = probabilities.get(topic)
        if p is None or topic == CRISIS_HEAD or not rule.acts_in(language):
            continue
        keyword = leaf.get(topic, 0.0) >= options.min_score
        if keyword and rule.veto_below is not None and p < rule.veto_below and topic not in NEVER_VETO:
            adjusted[topic] = 0.0
        elif not keyword and rule.add_at is not None and p >= rule.add_at and topic not in ruled_out:
            adjusted[topic] = max(p, options.min_score)
            added.add(topic)
    return adjusted, frozenset(added)


def speaks_of_a_person(found: Mapping[str, list[tuple[TermHit, TopicEvidence]]], taxonomy: Taxonomy) -> bool:
    """Whether a matched crisis term speaks of a person: not a mention term ("suicide prevention"), not a hashtag."""
    return any(
        e.source != "hashtags" and (CRISIS_TOPIC, hit.term) not in taxonomy.mention_terms
        for hit, e in found.get(CRISIS_TOPIC, ())
    )


def keyword_risk(
    found: Mapping[str, list[tuple[TermHit, TopicEvidence]]], score: float, taxonomy: Taxonomy, options: TagOptions,
    language: str = "und",
) -> str:
    """The risk level the crisis terms alone give (see ``types.RISK_LEVELS``).

    "current" needs a suicide_self_harm score of ``current_min_score`` (a strong term or two medium
    ones; one medium term in the languages of ``taxonomy.current_on_one_medium``) and a matched term that
    speaks of a person (not a mention term such as "suicide prevention", not a hashtag); a weaker or
    mention-only match is "mention".
    """
    if score < options.min_score:
        return "none"
    personal = speaks_of_a_person(found, taxonomy)
    current_at = options.min_score if language in taxonomy.current_on_one_medium else options.current_min_score
    return "current" if personal and score >= current_at else "mention"


def risk_level(keyword: str, scores: Mapping[str, float], probabilities: Mapping[str, float] | None,
               policy: Mapping[str, HeadPolicy], options: TagOptions, language: str = "und") -> str:
    """The upload's risk level: the keywords' one, raised to "current" by the crisis head, never lowered."""
    rule = policy.get(CRISIS_HEAD, HeadPolicy())
    crisis_at = rule.add_at_for(language)
    if probabilities is not None and crisis_at is not None and probabilities.get(CRISIS_HEAD, 0.0) >= crisis_at:
        return "current"
    if keyword == "none" and scores.get(CRISIS_TOPIC, 0.0) >= options.min_score:
        return "mention"
    return keyword


def _with_parents(
    scores: dict[str, tuple[float, list[TopicEvidence]]], taxonomy: Taxonomy, options: TagOptions
) -> dict[str, tuple[float, list[TopicEvidence]]]:
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
    """The text the learned signal reads: transcript, caption and hashtags, mojibake repaired as the terms see it."""
    parts = (fields.transcript, fields.caption, " ".join(fields.hashtags))
    return repair_mojibake("\n".join(part for part in parts if part))


# --- Known false health claims (claims.py): misinformation evidence of their own -----------------------
CLAIM_WEIGHT = 0.9  # a matched catalogue claim is strong misinformation evidence (above the review threshold)


def add_claim_matches(
    found: dict[str, list[tuple[TermHit, TopicEvidence]]], fields: TagInput, taxonomy: Taxonomy,
    options: TagOptions, claims: ClaimMatcher,
) -> None:
    """Add a misinformation_signal match per sentence that asserts a known false claim.

    Evidence: source "claim", term = the claim id, offsets = the sentence in ``learned_text(fields)``.
    """
    text = learned_text(fields)
    for match in claims.match(text, select_languages(fields, taxonomy, options), fields.language):
        hit = TermHit(MISINFORMATION, CLAIM_WEIGHT, match.claim_id)
        found[MISINFORMATION].append((hit, TopicEvidence(CLAIM_SOURCE, match.start, match.end, match.claim_id)))


@dataclass(frozen=True)
class KeywordResult:
    """What the taxonomy terms alone say about one upload (the learned heads build on it)."""

    found: Mapping[str, list[tuple[TermHit, TopicEvidence]]]
    scores: Mapping[str, float]  # leaf topic -> keyword score
    risk: str
    # Topics a term named but negation or a non-health sense ruled out ("I'm not depressed", "me muero de
    # risa"): the words said no, so the heads may not add them back.
    ruled_out: frozenset[str] = frozenset()
    language: str = "und"  # the upload's decided language (a head's policy may skip some languages)
    # The crisis head may not add a current risk: the words ruled a crisis term out outright, or ruled a
    # mental-health topic out and left no topic standing ("I'm not depressed", "the Great Depression"):
    # embeddings barely see "not" (measured: the shipped head gave "I'm not depressed" the crisis line at
    # 0.96). A negated weak term ("I don't wanna die but I know I have to") does not bar it; in a text longer
    # than ``TagOptions.crisis_bar_max_words`` only a negated crisis term does.
    crisis_head_barred: bool = False


def _word_count(fields: TagInput) -> int:
    return len(learned_text(fields).split())


def _is_short(fields: TagInput, options: TagOptions) -> bool:
    """Whether one idiom can speak for the whole text: a caption or a tweet, not a long post ("I look strong on
    the outside, yet i'm dead on the inside", a quoted "no don't kill yourself" amid a Reddit post)."""
    return _word_count(fields) <= options.crisis_bar_max_words


def _drop_passing_mentions(
    found: Mapping[str, list[tuple[TermHit, TopicEvidence]]], scores: dict[str, float], fields: TagInput,
    taxonomy: Taxonomy, options: TagOptions,
) -> None:
    """Untag the taxonomy's passing-mention topics that a long text names once, in its words (a hashtag is
    the creator saying what the video is about, so it always counts)."""
    once = [t for t in taxonomy.passing_mention_topics if len(found.get(t, ())) == 1 and scores.get(t, 0.0) > 0.0]
    if not once or _word_count(fields) < options.passing_mention_min_words:
        return
    for topic in once:
        if found[topic][0][1].source != "hashtags":
            scores[topic] = 0.0


def keyword_result(
    fields: TagInput, taxonomy: Taxonomy, options: TagOptions, claims: ClaimMatcher | None = None
) -> KeywordResult:
    """Term matches (and known false claims, when ``claims`` is given), their topic scores and risk level."""
    dropped: dict[str, int] = {}
    found = _all_matches(fields, taxonomy, options, dropped)
    if claims is not None:
        add_claim_matches(found, fields, taxonomy, options, claims)
    scores = {t: _topic_score(m, options) for t, m in found.items()}
    _drop_passing_mentions(found, scores, fields, taxonomy, options)
    risk = keyword_risk(found, scores.get(CRISIS_TOPIC, 0.0), taxonomy, options, fields.language)
    ruled_out = frozenset(t for t in dropped if scores.get(t, 0.0) < options.min_score)
    outright = frozenset(t for t in ruled_out if dropped[t] > WEAKLY_NEGATED)
    # The crisis topic ruled out, or a mental-health topic with no topic left standing ("I'm not depressed");
    # only when the words ruled something out (rare) is the taxonomy asked which topics are mental health.
    silencing = outright & {CRISIS_TOPIC}
    if outright and not any(score >= options.min_score for score in scores.values()):
        silencing |= outright & frozenset(taxonomy.children(MENTAL_HEALTH))
    # In a long post only a negated crisis term ("I'm not suicidal") keeps the head silent: an idiom, or another
    # topic's negation ("no don't kill yourself", quoted), is one phrase among many the head reads.
    denied = CRISIS_TOPIC in silencing and dropped[CRISIS_TOPIC] == NEGATED
    barred = bool(silencing) and (denied or _is_short(fields, options))
    return KeywordResult(found, scores, risk, ruled_out, fields.language, barred)


def decide(
    keywords: KeywordResult,
    probabilities: Mapping[str, float] | None,
    policy: Mapping[str, HeadPolicy],
    options: TagOptions,
) -> tuple[dict[str, float], str, dict[str, str]]:
    """Leaf scores, risk level, and for each topic the heads added the head that drove it.

    The one decision rule of the tagger; the evaluation applies it to cross-validated probabilities.
    """
    if probabilities is None:
        return dict(keywords.scores), risk_level(keywords.risk, keywords.scores, None, policy, options), {}
    adjusted, added = apply_learned(keywords.scores, probabilities, policy, options, keywords.ruled_out,
                                    keywords.language)
    drivers = {t: t for t in added}
    risk = risk_level(keywords.risk, adjusted, None if keywords.crisis_head_barred else probabilities, policy, options,
                      keywords.language)
    if risk == "current" and adjusted.get(CRISIS_TOPIC, 0.0) < options.min_score:
        # The crisis head found a current risk that no term named: the topic goes with it.
        adjusted[CRISIS_TOPIC] = max(probabilities.get(CRISIS_HEAD, 0.0), options.min_score)
        drivers[CRISIS_TOPIC] = CRISIS_HEAD
    return adjusted, risk, drivers


def tag(
    fields: TagInput, taxonomy: Taxonomy, options: TagOptions, signal: TopicSignal | None = None,
    claims: ClaimMatcher | None = None,
) -> TagResult:
    """Tag one upload's transcript, caption and hashtags with health topics and a risk level, best first.

    ``signal`` (optional, see ``learned.py``) is used when ``options.use_learned_signal`` is set and the
    upload's language is one it covers. ``claims`` (optional, see ``claims.py``) adds misinformation_signal
    for sentences that assert a known false health claim.
    """
    keywords = keyword_result(fields, taxonomy, options, claims)
    probabilities: Mapping[str, float] | None = None
    policy: Mapping[str, HeadPolicy] = {}
    text = learned_text(fields)
    if signal is not None and options.use_learned_signal and fields.language in signal.languages and text.strip():
        probabilities, policy = signal.topic_probabilities(text), signal.policy
    adjusted, risk, drivers = decide(keywords, probabilities, policy, options)
    scores: dict[str, tuple[float, list[TopicEvidence]]] = {}
    for topic, score in adjusted.items():
        evidence = [e for _, e in keywords.found.get(topic, [])]
        if topic in drivers and signal is not None:
            start, end = signal.best_sentence(text, drivers[topic])
            evidence = [TopicEvidence(LEARNED_SOURCE, start, end, LEARNED_TERM)]
        scores[topic] = (score, evidence)
    scores = _with_parents(scores, taxonomy, options)
    topics = [
        TopicTag(topic, round(score, 4), tuple(sorted(set(evidence), key=_evidence_order)[: options.max_evidence]))
        for topic, (score, evidence) in scores.items()
        if score >= options.min_score
    ]
    topics.sort(key=lambda t: (-t.score, t.topic))
    return TagResult(topics=tuple(topics), taxonomy_version=taxonomy.version, risk=risk)
