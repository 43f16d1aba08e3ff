"""Whisper-style normalization and error rates (words; characters for ja/ko/zh)."""

from __future__ import annotations

import pytest

from workers.transcribe.wer import edit_distance, normalize_text, tokens, word_error_rate


def test_normalization_lowercases_and_strips_punctuation_and_brackets() -> None:
    assert normalize_text("Mr. Quilter, is (laughs) [music] the APOSTLE!") == "mr quilter is the apostle"
    assert normalize_text("l’espace — «ici»") == "l espace ici"
    assert normalize_text("「君となら話すかい？」と、Ｋはきいた。") == "君となら話すかい と kはきいた"


def test_diacritics_are_kept() -> None:
    assert word_error_rate("está aquí", "esta aqui", "es") == 1.0


def test_word_error_rate_counts_substitutions_insertions_deletions() -> None:
    reference = "ask not what your country can do for you"
    assert word_error_rate(reference, "Ask not what your country can do for you.", "en") == 0.0
    assert word_error_rate(reference, "ask what your country can do for you", "en") == pytest.approx(1 / 9)
    assert word_error_rate(reference, "ask not what my country can do for you too", "en") == pytest.approx(
        2 / 9
    )


@pytest.mark.parametrize("language", ["ja", "ko", "zh"])
def test_cjk_is_scored_on_characters_without_spaces(language: str) -> None:
    assert tokens("これは テスト。", language) == list("これはテスト")
    assert word_error_rate("これはテスト文です", "これはテスト分です", language) == pytest.approx(1 / 9)


def test_korean_spacing_differences_are_not_errors() -> None:
    assert word_error_rate("길 한 옆으로 걸어갔다", "길 한옆으로 걸어 갔다", "ko") == 0.0


def test_empty_texts() -> None:
    assert word_error_rate("", "", "en") == 0.0
    assert word_error_rate("", "hallucinated thanks", "en") == 1.0
    assert word_error_rate("something said", "", "en") == 1.0


def test_edit_distance() -> None:
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert edit_distance([], ["a", "b"]) == 2
