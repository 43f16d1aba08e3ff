"""What the route stage loads once per worker process: the PSA catalogue and the rule options."""

from __future__ import annotations

from dataclasses import dataclass

from workers.routing.catalog import PsaCatalog, load_psa_catalog
from workers.routing.types import RouteOptions
from workers.settings import Settings


@dataclass(frozen=True)
class RouteCore:
    """PSA catalog and rule options, loaded once per process."""

    catalog: PsaCatalog
    options: RouteOptions


def route_options(settings: Settings) -> RouteOptions:
    """Routing thresholds from the settings."""
    return RouteOptions(
        boost_factor=settings.boost_factor, boost_min_score=settings.boost_min_score,
        psa_min_score=settings.psa_min_score, review_min_score=settings.review_min_score,
        max_psas=settings.max_psas_per_video)


def load_core(settings: Settings) -> RouteCore:
    """The route stage's core from the settings."""
    return RouteCore(catalog=load_psa_catalog(), options=route_options(settings))
