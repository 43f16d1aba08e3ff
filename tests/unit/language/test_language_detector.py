"""The text side of the detector: degenerate input, determinism, known confusions, code-switching."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workers.language import LanguageDetector, LanguageEvidence
from workers.language.types import LanguageDecision, LanguageOptions

SAMPLES = [
    "Saya sangat sedih hari ini karena pekerjaan",
    "The horizon seems extremely distant.",
    "Je me sens très anxieux ces derniers temps",
    "東京都",
    "no sé",
]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀🎉",
        "#fyp #viral #foryou",
        "https://example.com/x?y=1",
        "12345 678",
        "@someone",
        "!!! ...",
        "a",
    ],
)
def test_degenerate_input_is_und(detector: LanguageDetector, text: str) -> None:
    decision = detector.detect_text(text)
    assert decision == LanguageDecision.undetermined()
    assert decision.confidence == 0.0


def test_deterministic_across_fresh_detectors(detector: LanguageDetector) -> None:
    other = LanguageDetector()
    assert [detector.detect_text(t) for t in SAMPLES] == [other.detect_text(t) for t in SAMPLES]


def test_deterministic_across_processes(detector: LanguageDetector) -> None:
    code = (
        "import json,sys\nfrom workers.language import LanguageDetector\nd=LanguageDetector()\n"
        "print(json.dumps([d.detect_text(t).to_record() for t in json.loads(sys.argv[1])]))"
    )
    out = subprocess.run([sys.executable, "-c", code, json.dumps(SAMPLES)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [detector.detect_text(t).to_record() for t in SAMPLES]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Saya tidak tahu kenapa saya merasa sangat cemas karena pekerjaan", "id"),
        ("Saya tidak tahu mengapa saya berasa sangat risau kerana kerja di pejabat", "ms"),
        ("Kerajaan akan memberi bantuan wang kepada pelajar universiti", "ms"),
        ("Pemerintah akan memberikan bantuan uang kepada mahasiswa universitas", "id"),
        ("Não sei o que fazer, estou muito cansado", "pt"),
        ("No sé qué hacer, estoy muy cansado", "es"),
        ("No sé què fer, estic molt cansat i tinc por", "ca"),
        ("这是什么", "zh"),
        ("気になる", "ja"),
        ("東京都", "ja"),
        ("오늘 너무 힘들어요", "ko"),
        ("the", "en"),
        ("não", "pt"),
        ("terima kasih banyak", "id"),
    ],
)
def test_known_confusions(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect_text(text).language == language


def test_galician_has_no_model_and_lands_on_a_neighbour(detector: LanguageDetector) -> None:
    # lingua has no Galician model (nor had langdetect): the nearest served language is the useful answer.
    assert detector.detect_text("Agora xa non teño tempo para facer nada coa xente").language in ("es", "pt")


@pytest.mark.parametrize("text", ["Привет, как дела?", "สวัสดีครับ ทุกคน"])
def test_scripts_outside_the_language_set_are_und(detector: LanguageDetector, text: str) -> None:
    # The scorer is restricted to the served and confusable languages; it names none of them here.
    assert detector.detect_text(text) == LanguageDecision.undetermined()


def test_langdetect_scorer_stays_available() -> None:
    plain = LanguageDetector(LanguageOptions(scorer="langdetect"))
    assert [plain.detect_text(t).language for t in SAMPLES[:3]] == ["id", "en", "fr"]
    assert plain.detect_text("Não sei o que fazer, estou muito cansado").language == "pt"
    assert plain.detect_text("") == LanguageDecision.undetermined()


def test_low_accuracy_mode_for_long_text_keeps_sentences_right() -> None:
    fast = LanguageDetector(LanguageOptions(lingua_low_accuracy_chars=40))
    assert [fast.detect_text(t).language for t in SAMPLES[:3]] == ["id", "en", "fr"]
    assert fast.detect_text("bom dia").language == "pt"  # short: still the high-accuracy mode


def test_unknown_scorer_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown language scorer"):
        LanguageDetector(LanguageOptions(scorer="cld3"))


def test_kanji_only_stays_uncertain(detector: LanguageDetector) -> None:
    decision = detector.detect_text("東京都")
    assert decision.confidence < 0.7
    assert "zh" in [alt.language for alt in decision.alternatives]


@pytest.mark.parametrize(("text", "language"), [("안녕하세요 ㅋㅋㅋ", "ko"), ("今日はとても疲れた", "ja")])
def test_script_shortcut_is_certain(detector: LanguageDetector, text: str, language: str) -> None:
    decision = detector.detect_text(text)
    assert (decision.language, "script") == (language, decision.sources[-1])
    assert decision.confidence > 0.99


@pytest.mark.parametrize(
    "text",
    [
        "Aku capek banget hari ini, honestly I just need a break dari semua ini",
        "Hari ini aku mau share tips buat kalian yang lagi struggling with anxiety",
    ],
)
def test_code_switched_indonesian_english(detector: LanguageDetector, text: str) -> None:
    decision = detector.detect_text(text)
    assert (decision.language, decision.secondary) == ("id", "en")


def test_korean_with_english_has_english_secondary(detector: LanguageDetector) -> None:
    assert detector.detect_text("오늘 너무 힘들어요 so tired today").secondary == "en"


@pytest.mark.parametrize("text", SAMPLES[:3])
def test_monolingual_text_has_no_secondary(detector: LanguageDetector, text: str) -> None:
    assert detector.detect_text(text).secondary is None


def test_detect_text_is_the_stage_decision_for_a_caption(detector: LanguageDetector) -> None:
    for text in SAMPLES:
        assert detector.detect_text(text) == detector.detect(LanguageEvidence(caption=text))
