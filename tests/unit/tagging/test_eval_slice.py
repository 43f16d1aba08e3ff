"""A small slice of the evaluation, with thresholds (the full run is `make eval-tagging`)."""

from __future__ import annotations

import pytest

from eval.tagging import gold
from eval.tagging.eval_data import reddit_examples, split_of
from eval.tagging.evaluate import evaluate_reddit
from workers.tagging import TagOptions, load_taxonomy


def test_split_is_deterministic():
    assert split_of("some text") == split_of("some text")


@pytest.fixture(scope="module")
def reddit_slice(shared_dir):
    examples = [e for e in reddit_examples(shared_dir) if e.split == "dev"]
    keep, per_group = [], {}
    for example in examples:  # first 12 dev posts of every subreddit: ~300 posts, a few seconds
        per_group[example.group] = per_group.get(example.group, 0) + 1
        if per_group[example.group] <= 12:
            keep.append(example)
    return evaluate_reddit(keep, load_taxonomy(), TagOptions())


def test_reddit_slice_thresholds(reddit_slice):
    scores = {s["topic"]: s for s in reddit_slice["single_label"]}
    assert reddit_slice["macro_f1"] >= 0.5
    assert scores["eating_disorder"]["precision"] >= 0.7
    assert reddit_slice["controls_any_health_topic"]["rate"] <= 0.2


def test_gold_scores_count_missed_and_false_help_lines():
    rows = [
        gold.GoldText("a", "t", "en", frozenset({"suicide_self_harm"}), True, "s"),
        gold.GoldText("b", "t", "en", frozenset(), False, "s"),
        gold.GoldText("c", "t", "en", frozenset(), False, "s"),
    ]
    preds = [gold.Prediction({}), gold.Prediction({"depression": 0.9}), gold.Prediction({}, "none")]
    report = gold.score_gold(rows, preds)
    en = report["by_language"]["en"]
    assert en["crisis_recall"] == 0.0 and en["false_help_lines"] == 1 and en["non_health_any_topic"] == 1
    assert [r["id"] for r in report["missed_help_lines"]] == ["a"]
    assert [r["id"] for r in report["false_help_lines"]] == ["b"]
    assert gold.Prediction({}, "current").crisis_line()


def test_gold_keyword_slice(shared_dir):
    rows = [e for e in gold.gold_examples(shared_dir) if e.language in ("en", "ko", "ja")][::3]
    taxonomy = load_taxonomy()
    from workers.tagging import TagInput, tag

    def tagger(text, language):
        result = tag(TagInput(transcript=text, language=language), taxonomy, TagOptions(use_learned_signal=False))
        return gold.Prediction({t.topic: t.score for t in result.topics if t.topic != "mental_health"}, result.risk)

    report = gold.score_gold(rows, gold.predict_all(tagger, rows))
    assert report["by_language"]["en"]["non_health_any_topic_rate"] <= 0.1
    assert report["macro_f1"] >= 0.4


def test_every_product_language_tags_the_sib200_health_sentences_within_5_points_of_english(shared_dir):
    # The same sentences in every language (SIB-200): the parity target, on the keyword tagger (the
    # only heads adopted act on the crisis line, not on these topics). A term added in English alone fails it.
    examples = gold.sib_parallel(shared_dir, gold.gold_examples(shared_dir))
    taxonomy = load_taxonomy()
    from workers.tagging import TagInput, tag

    def tagger(text, language):
        result = tag(TagInput(transcript=text, language=language), taxonomy, TagOptions(use_learned_signal=False))
        return gold.Prediction({t.topic: t.score for t in result.topics if t.topic != "mental_health"}, result.risk)

    sib = gold.score_sib(examples, gold.predict_all(tagger, examples))
    english = sib["en"]["macro_f1"]
    behind = {lang: round(english - sib[lang]["macro_f1"], 3) for lang in ("id", "es", "pt", "fr", "ja", "ko")}
    assert all(gap <= 0.05 for gap in behind.values()), behind


def test_crisis_probes_are_the_same_statements_in_every_language_and_counted():
    from collections import Counter

    from eval.tagging.eval_data import crisis_probes
    from eval.tagging.evaluate import evaluate_probes

    probes = crisis_probes()
    kinds = {lang: Counter(p["kind"] for p in probes if p["lang"] == lang) for lang in {p["lang"] for p in probes}}
    assert set(kinds) == {"en", "es", "pt", "id", "ja", "ko", "fr"}
    assert all(k["ambiguous"] >= 2 and sum(k.values()) >= 16 for k in kinds.values()), kinds
    result = evaluate_probes(probes, load_taxonomy(), TagOptions(use_learned_signal=False))
    for lang, counts in result["per_language"].items():
        assert counts["crisis_n"] + counts["ambiguous_n"] + counts["figurative_n"] == sum(kinds[lang].values())
        assert counts["figurative_n"] == kinds[lang]["hyperbole"] + kinds[lang]["abuse"] + kinds[lang]["everyday"] > 0
        assert counts["figurative_line"] == 0, (lang, result["figurative_with_line"])  # the words alone: never
        # every crisis statement names the topic from the words alone but two left to the head: "aku minum banyak
        # obat" (as often a sick person's day) and ずっと眠っていたい (as often a lazy Sunday)
        assert counts["crisis_topic"] >= counts["crisis_n"] - (1 if lang in ("id", "ja") else 0), (lang, counts)
    without = {(p["lang"], p["text"]) for p in result["crisis_without_line"]}
    assert ("es", "quisiera no haber nacido") not in without
