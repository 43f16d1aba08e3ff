"""Where a topic's terms occur in the Reddit posts: the subreddits of the posts each term matches.

``python -m eval.tagging.term_sources [TOPIC] [LANGUAGE] [TIER]`` (default: suicide_self_harm en medium)
prints, per term, how many dev-split RMHD posts it matches (gold_dev texts left out) and in which
subreddits. A term found almost only in r/SuicideWatch speaks of a current risk; one spread over
r/divorce and r/legaladvice does not. Subreddits are weak labels; the counts are small: they inform a
tier, they do not measure the tagger (the held-out split and gold_dev do that).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Sequence

from eval.tagging import eval_data, gold
from workers.tagging.normalize import normalize_text
from workers.tagging.taxonomy import DEFAULT_PATH, read_yaml, term_regex

CRISIS_SUBREDDIT = "suicidewatch"


def term_subreddits(topic: str, language: str, tier: str) -> list[tuple[str, Counter[str]]]:
    """Each term of ``topic``'s ``tier`` in ``language`` with the subreddits of the dev posts it matches."""
    root = eval_data.shared_dir()
    gold_texts = {e.text for e in gold.gold_examples(root)}
    posts = [(normalize_text(e.text), e.group.removeprefix("mh_other:")) for e in eval_data.reddit_examples(root)
             if e.split == "dev" and e.text not in gold_texts]
    data = read_yaml(DEFAULT_PATH, "taxonomy", "taxonomy_invalid")
    terms = data["topics"][topic]["terms"][language].get(tier) or []
    substring = language in data.get("substring_languages", ())
    out = []
    for term in terms:
        pattern = re.compile(term_regex(str(term), language, substring))
        out.append((str(term), Counter(label for text, label in posts if pattern.search(text))))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table."""
    args = list(sys.argv[1:] if argv is None else argv)
    topic, language, tier = (args + ["suicide_self_harm", "en", "medium"][len(args):])[:3]
    print(f"| term ({topic}, {language}, {tier}) | dev posts | r/{CRISIS_SUBREDDIT} | most common |")
    print("|---|---|---|---|")
    for term, counts in term_subreddits(topic, language, tier):
        if counts:
            common = ", ".join(f"{k} {v}" for k, v in counts.most_common(3))
            print(f"| {term} | {sum(counts.values())} | {counts[CRISIS_SUBREDDIT]} | {common} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
