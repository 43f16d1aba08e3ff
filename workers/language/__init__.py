"""The language stage: normalization, lingua (or langdetect) text scores, id/ms and kanji rules, fusion."""

from workers.language.detector import LanguageDetector
from workers.language.types import (
    STAGE,
    LanguageDecision,
    LanguageEvidence,
    LanguageOptions,
    LanguageScore,
)

__all__ = [
    "STAGE",
    "LanguageDecision",
    "LanguageDetector",
    "LanguageEvidence",
    "LanguageOptions",
    "LanguageScore",
]
