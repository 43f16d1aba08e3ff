"""What the language stage loads once per worker process: the detector and its profiles."""

from __future__ import annotations

from typing import Any

from workers.language.detector import LanguageDetector


def load_core(settings: Any) -> LanguageDetector:
    """The language stage's core (langdetect profiles and lexicons load here, not at import)."""
    return LanguageDetector()
