"""What the route stage loads once per worker process: the PSA catalogue and the rule options."""

from __future__ import annotations

import dataclasses
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
    return RouteOptions(**dataclasses.asdict(settings.routing))  # one field per setting, same names


def load_core(settings: Settings) -> RouteCore:
    """The route stage's core from the settings."""
    return RouteCore(catalog=load_psa_catalog(), options=route_options(settings))
