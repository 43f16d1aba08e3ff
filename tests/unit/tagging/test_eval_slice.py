"""A small slice of the evaluation, with thresholds (the full run is `make eval-tagging`)."""

from __future__ import annotations

import pytest

from eval.tagging.eval_data import reddit_examples, sib_examples, split_of
from eval.tagging.evaluate import evaluate_reddit, evaluate_sib
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


def test_sib_non_health_sentences_rarely_tagged(shared_dir):
    examples = [e for e in sib_examples(shared_dir, ("en", "id")) if int(e.ref) % 4 == 0]
    report = evaluate_sib(examples, load_taxonomy(), TagOptions())
    for language in ("en", "id"):
        assert report[language]["non_health_any_topic"]["rate"] <= 0.05
        infectious = next(s for s in report[language]["per_topic"] if s["topic"] == "infectious_disease")
        assert infectious["recall"] >= 0.4
