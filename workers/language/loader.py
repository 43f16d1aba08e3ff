"""What the language stage loads once per worker process: the detector and its models."""

from __future__ import annotations

from workers.language.detector import LanguageDetector
from workers.settings import Settings


def load_core(settings: Settings) -> LanguageDetector:
    """The language stage's core (lingua's models, langdetect's profiles and the lexicons load here)."""
    return LanguageDetector()
