"""The route stage: Fides boosts, localized PSAs, review requests (pure core; the agent lives elsewhere)."""

from workers.routing.catalog import PsaCatalog, PsaChoice, PsaResource, load_psa_catalog
from workers.routing.registry import FidesCreatorInfo, apply_creator_change
from workers.routing.rules import RULES, Rule, route
from workers.routing.types import (
    STAGE,
    BoostDecision,
    PsaDecision,
    ReviewDecision,
    RouteDecision,
    RouteInput,
    RouteOptions,
)

__all__ = [
    "RULES",
    "STAGE",
    "BoostDecision",
    "FidesCreatorInfo",
    "PsaCatalog",
    "PsaChoice",
    "PsaDecision",
    "PsaResource",
    "ReviewDecision",
    "RouteDecision",
    "RouteInput",
    "RouteOptions",
    "Rule",
    "apply_creator_change",
    "load_psa_catalog",
    "route",
]
