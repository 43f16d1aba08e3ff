"""Plain langdetect, seeded: the baseline the evaluation and the benchmark compare against."""

from __future__ import annotations

from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from workers.language.scorer import profiles_directory
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
