"""What the language stage loads once per worker process: the detector and its profiles."""

from __future__ import annotations

from workers.language.detector import LanguageDetector
from workers.settings import Settings


def load_core(settings: Settings) -> LanguageDetector:
    """The language stage's core (langdetect profiles and lexicons load here, not at import)."""
    return LanguageDetector()
