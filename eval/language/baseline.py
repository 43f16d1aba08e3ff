"""Baselines the evaluation and the benchmark compare against: plain seeded langdetect, raw lingua."""

from __future__ import annotations

from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from workers.language.langdetect_scorer import profiles_directory
from workers.language.types import UNDETERMINED


class PlainLangdetect:
    """langdetect 1.0.9 exactly as a caller would use it, with profiles loaded once and a fixed seed."""

    def __init__(self, seed: int = 0) -> None:
        self._factory = DetectorFactory()
        files = sorted(p for p in profiles_directory().iterdir() if p.is_file())
        self._factory.load_json_profile([p.read_text(encoding="utf-8") for p in files])
        self._factory.set_seed(seed)

    def detect(self, text: str) -> str:
        """langdetect's best language (zh-cn / zh-tw as 'zh'), or 'und' when it finds no features."""
        detector = self._factory.create()
        detector.append(text)
        try:
            return detector.detect().split("-")[0]
        except LangDetectException:
            return UNDETERMINED


class RawLingua:
    """lingua as a caller would use it: restricted to a language set, raw text, its top language."""

    def __init__(self, languages: tuple[str, ...], low_accuracy: bool = False) -> None:
        models = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
        builder = LanguageDetectorBuilder.from_languages(*models).with_preloaded_language_models()
        self._detector = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()

    def detect(self, text: str) -> str:
        """lingua's best language, or 'und' when it names none."""
        language = self._detector.detect_language_of(text)
        return language.iso_code_639_1.name.lower() if language else UNDETERMINED
