"""A slice of the SIB-200 evaluation as a regression gate (reads ../shared at run time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.language.baseline import PlainLangdetect
from eval.language.eval_data import PRODUCT, build_items
from workers.language import LanguageDetector

# Measured on the full test split (results/language_eval.md); margins absorb the smaller slice.
SENTENCE_MIN_ACCURACY = {"en": 0.98, "id": 0.95, "es": 0.98, "pt": 0.98, "fr": 0.98, "ja": 0.98, "ko": 0.98}
PHRASE_MIN_GAIN = 0.06  # measured +11.6 points over plain langdetect on product-language phrases


@pytest.fixture(scope="module")
def test_items(shared_dir: Path) -> list:
    items = build_items(shared_dir / "text" / "sib200_topics.jsonl", "test")
    return [i for i in items if i.lang in PRODUCT]


@pytest.mark.parametrize("lang", PRODUCT)
def test_sentence_accuracy(detector: LanguageDetector, test_items: list, lang: str) -> None:
    sentences = [i for i in test_items if i.lang == lang and i.kind == "sentence"][:100]
    accuracy = sum(detector.detect_text(i.text).language == lang for i in sentences) / len(sentences)
    assert accuracy >= SENTENCE_MIN_ACCURACY[lang]


def test_short_phrases_beat_plain_langdetect(detector: LanguageDetector, test_items: list) -> None:
    phrases = [i for i in test_items if i.kind == "phrase"][::2]
    plain = PlainLangdetect(seed=0)
    ours = sum(detector.detect_text(i.text).language == i.lang for i in phrases) / len(phrases)
    baseline = sum(plain.detect(i.text) == i.lang for i in phrases) / len(phrases)
    assert ours >= baseline + PHRASE_MIN_GAIN
