"""Routing rules as one table of data, and the pure ``route`` function that applies them.

Invariant: content by a creator who is not in the Fides registry is never boosted. It is enforced three
times: the boost rule requires a Fides creator, ``Rule`` refuses a boost row that does not, and
``route`` drops boosts when there is no creator (a test drives all of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from workers.routing.catalog import PsaCatalog
from workers.routing.registry import FidesCreatorInfo
from workers.routing.types import (
    BoostDecision,
    ClaimReview,
    PsaDecision,
    ReviewDecision,
    RouteDecision,
    RouteInput,
    RouteOptions,
)
from workers.tagging.claims import CLAIM_SOURCE, ClaimCatalog, load_catalog
from workers.tagging.types import TopicTag


class Creator(Enum):
    """Which creators a rule applies to."""

    FIDES = "fides"
    NON_FIDES = "non_fides"
    ANY = "any"


class Action(Enum):
    """What a rule emits."""

    BOOST = "boost"
    PSA = "psa"
    REVIEW = "review"


HEALTH_TOPICS = frozenset(
    {
        "mental_health",
        "depression",
        "anxiety",
        "suicide_self_harm",
        "eating_disorder",
        "self_diagnosis",
        "bullying",
        "stress",
        "sexual_reproductive_health",
        "vaccines",
        "substance_use",
        "nutrition",
        "infectious_disease",
    }
)
# Most severe first: decides which PSA a video gets when max_psas is smaller than the sensitive topics found.
PSA_TOPICS = ("suicide_self_harm", "eating_disorder", "substance_use", "self_diagnosis", "depression")


@dataclass(frozen=True)
class Rule:
    """One row of the routing table.

    Attributes:
        rule_id: stable id carried on every event the rule emits.
        action: boost, psa or review.
        creator: which creators it applies to.
        topics: topic ids it fires on.
        reason: machine-readable reason on the event.
    """

    rule_id: str
    action: Action
    creator: Creator
    topics: frozenset[str]
    reason: str

    def __post_init__(self) -> None:
        """Refuse a boost row that could fire for non-Fides content."""
        if self.action is Action.BOOST and self.creator is not Creator.FIDES:
            raise ValueError(f"rule {self.rule_id}: boosts are for Fides creators only")

    def applies_to(self, creator: FidesCreatorInfo | None) -> bool:
        """Whether the rule applies to this creator (None = not in the registry)."""
        return self.creator is Creator.ANY or (self.creator is Creator.FIDES) == (creator is not None)


RULES: tuple[Rule, ...] = (
    Rule(
        "boost.fides_health_content",
        Action.BOOST,
        Creator.FIDES,
        HEALTH_TOPICS,
        "fides_creator_health_content",
    ),
    Rule("psa.sensitive_topic", Action.PSA, Creator.ANY, frozenset(PSA_TOPICS), "sensitive_topic"),
    Rule(
        "review.misinformation_non_fides",
        Action.REVIEW,
        Creator.NON_FIDES,
        frozenset({"misinformation_signal"}),
        "misinformation_signal_non_fides",
    ),
)


def _boosts(
    rule: Rule, inp: RouteInput, creator: FidesCreatorInfo | None, options: RouteOptions
) -> tuple[BoostDecision, ...]:
    if creator is None:
        return ()
    topics = tuple(
        t.topic
        for t in inp.topics
        if t.topic in rule.topics and t.score >= options.boost_min_score and creator.vetted_for(t.topic)
    )
    if not topics:
        return ()
    return (
        BoostDecision(inp.video_id, inp.creator_id, options.boost_factor, rule.reason, rule.rule_id, topics),
    )


CRISIS_TOPIC = "suicide_self_harm"


def _psas(rule: Rule, inp: RouteInput, catalog: PsaCatalog, options: RouteOptions) -> tuple[PsaDecision, ...]:
    scores = {t.topic: t.score for t in inp.topics}
    wanted = [t for t in PSA_TOPICS if t in rule.topics and scores.get(t, 0.0) >= options.psa_min_score]
    if inp.risk == "current" and CRISIS_TOPIC in rule.topics:
        # A person at current risk: the crisis line comes first, whatever the topic's score.
        wanted = [CRISIS_TOPIC, *(t for t in wanted if t != CRISIS_TOPIC)]
    decisions: list[PsaDecision] = []
    seen: set[str] = set()
    for topic in wanted:
        choice = catalog.resolve(topic, inp.region, inp.language)
        if choice is None or choice.catalog_topic in seen:
            continue
        seen.add(choice.catalog_topic)
        decisions.append(
            PsaDecision(
                inp.video_id,
                topic,
                inp.region.upper(),
                choice.resource.language,
                choice.resource,
                choice.is_fallback,
                rule.rule_id,
            )
        )
    return tuple(decisions[: options.max_psas])


def claim_reviews(tags: tuple[TopicTag, ...], text: str, claims: ClaimCatalog) -> tuple[ClaimReview, ...]:
    """The known false claims behind ``tags`` (evidence source "claim"), with their refuting sources.

    The sentence is cut from ``text`` (``RouteInput.text``) by the evidence offsets; a claim id the
    catalogue no longer has still reaches the reviewer, without statement or source.
    """
    reviews: dict[tuple[str, int], ClaimReview] = {}
    for tag in tags:
        for evidence in tag.evidence:
            key = (evidence.term, evidence.start)
            if evidence.source != CLAIM_SOURCE or key in reviews:
                continue
            inside = 0 <= evidence.start < evidence.end <= len(text)
            sentence = text[evidence.start : evidence.end].strip() if inside else ""
            claim = claims.get(evidence.term)
            source = claim.source if claim else None
            reviews[key] = ClaimReview(
                evidence.term, claim.statement if claim else "", sentence, claim.fact if claim else "",
                source.organisation if source else None, source.title if source else None,
                source.url if source else None,
            )
    return tuple(reviews.values())


def _reviews(
    rule: Rule, inp: RouteInput, options: RouteOptions, claims: ClaimCatalog | None
) -> tuple[ReviewDecision, ...]:
    tags: tuple[TopicTag, ...] = tuple(
        t for t in inp.topics if t.topic in rule.topics and t.score >= options.review_min_score
    )
    if not tags:
        return ()
    found = claim_reviews(tags, inp.text, claims if claims is not None else load_catalog())
    return (ReviewDecision(inp.video_id, inp.creator_id, rule.reason, rule.rule_id, tags, found),)


def route(
    inp: RouteInput,
    creator: FidesCreatorInfo | None,
    catalog: PsaCatalog,
    options: RouteOptions,
    rules: tuple[Rule, ...] = RULES,
    claims: ClaimCatalog | None = None,
) -> RouteDecision:
    """Apply the rule table to one tagged upload; ``creator`` is None when not in the Fides registry.

    ``claims``: the false-claim catalogue that review requests cite (the packaged one by default).
    """
    boosts: list[BoostDecision] = []
    psas: list[PsaDecision] = []
    reviews: list[ReviewDecision] = []
    for rule in rules:
        if not rule.applies_to(creator):
            continue
        if rule.action is Action.BOOST:
            boosts.extend(_boosts(rule, inp, creator, options))
        elif rule.action is Action.PSA:
            psas.extend(_psas(rule, inp, catalog, options))
        else:
            reviews.extend(_reviews(rule, inp, options, claims))
    # The invariant, whatever the table says: no registry entry, no boost.
    return RouteDecision(
        boosts=tuple(boosts) if creator is not None else (), psas=tuple(psas), reviews=tuple(reviews)
    )
