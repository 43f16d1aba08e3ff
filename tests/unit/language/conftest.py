"""One detector for the language unit tests: loading the profiles takes about a second."""

from __future__ import annotations

import pytest

from workers.language import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    """A detector with default options."""
    return LanguageDetector()
