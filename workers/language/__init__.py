"""The language stage: normalization, a deterministic n-gram scorer, known-confusion rules and fusion."""

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
