"""Shared hypothesis settings for the fuzz tests: the case count comes from FUZZ_EXAMPLES."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

# Small by default so `make test` stays quick; `make fuzz` sets FUZZ_EXAMPLES=10000.
DEFAULT_EXAMPLES = 60


def examples() -> int:
    """Cases per property."""
    return int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_EXAMPLES))


def fuzz_settings(deadline_ms: int = 10_000, **extra: Any) -> settings:
    """Per-property settings: FUZZ_EXAMPLES cases, a per-example deadline (a hang fails), no database."""
    return settings(
        max_examples=examples(),
        deadline=deadline_ms,
        database=None,
        derandomize=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        **extra,
    )
