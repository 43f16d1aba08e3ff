"""One detector for all language unit tests: loading lingua's models takes ~2 s and ~280 MB."""

from __future__ import annotations

import pytest

from workers.language import LanguageDetector


@pytest.fixture(scope="session")
def detector() -> LanguageDetector:
    """A detector with default options (decisions are pure functions of the input; caches do not leak)."""
    return LanguageDetector()
