"""The framework-floor worker: language and tag answered from a table, everything else real."""

from __future__ import annotations

from bench import floor_worker, light
from bench.__main__ import PASSTHROUGHS, _ratios
from workers.language.detector import LanguageDetector
from workers.language.types import LanguageEvidence


def test_the_constant_detector_answers_every_upload_with_the_sample_s_decision() -> None:
    real = LanguageDetector()
    constant = floor_worker.ConstantDetector(real)
    korean, french = LanguageEvidence(caption="오늘 너무 피곤해요"), LanguageEvidence(caption="Je suis très fatigué")

    assert constant.detect(korean) == constant.detect(french) == real.detect(floor_worker.SAMPLE)
    assert real.detect(korean).language == "ko" and constant.detect(korean).language == "en"


def _run(label: str, rate: float, cpu_ms: float) -> light.StreamRun:
    return light.StreamRun(label, 100, 100, 1, 8, rate, 1.0, cpu_ms, 1000 / cpu_ms)


def test_ratios_put_the_light_path_and_the_floor_against_the_passthroughs() -> None:
    runs = [_run(name, 4000.0, 0.25) for name in PASSTHROUGHS]
    runs += [_run("light path", 500.0, 2.0), _run("light path, 3 hops unbatched (before)", 200.0, 5.0),
             _run(light.FLOOR_LABEL, 2000.0, 0.5)]

    ratios = _ratios(runs)

    assert ratios["light path / " + light.FLOOR_LABEL] == {"wall": 0.25, "cpu": 0.25}
    assert ratios[light.FLOOR_LABEL + " / bare Faust passthrough (1 hop)"] == {"wall": 0.5, "cpu": 0.5}
    assert ratios["light path / light path, 3 hops unbatched (before)"] == {"wall": 2.5, "cpu": 2.5}

