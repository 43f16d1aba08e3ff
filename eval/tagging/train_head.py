"""Train the learned head: ``python -m eval.tagging.train_head`` -> workers/tagging/learned_head.json.

Reads the Reddit evaluation set from ../shared at run time (never copied into the repo), keeps the
**dev** split only (the held-out split stays unseen for the evaluation), embeds every post with the
packaged all-MiniLM-L6-v2 and fits the softmax head over ``REDDIT_TOPICS`` + "none". Deterministic:
the same data gives the same weights.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from eval.tagging import eval_data
from eval.tagging.eval_data import REDDIT_TOPICS, LabelledText
from workers.tagging.encoder import SentenceEncoder
from workers.tagging.learned import HEAD_PATH, NONE_CLASS, Head, fit_head

CLASSES = (NONE_CLASS, *REDDIT_TOPICS)
# Chosen by 5-fold cross-validation within the dev split (end-to-end macro-F1 of keywords + head): the
# head underfits rather than overfits, 1e-5 beat 1e-4 (and 1e-3 by ~0.03); 2000 steps come close to convergence.
L2 = 1e-5
STEPS = 2000


def training_examples(root: Path) -> list[LabelledText]:
    """Dev-split Reddit posts with one leaf label or none (other mental-health subreddits left out)."""
    return [e for e in eval_data.reddit_examples(root) if e.split == "dev" and not e.group.startswith("mh_other:")]


def train(root: Path, encoder: SentenceEncoder) -> Head:
    """Embed the dev split and fit the head."""
    examples = training_examples(root)
    labels = [next(iter(e.gold), NONE_CLASS) for e in examples]
    head = fit_head(encoder.encode([e.text for e in examples]), labels, CLASSES, l2=L2, steps=STEPS)
    source = f"{eval_data.REDDIT_SOURCE}; dev split, n={len(examples)}, l2={L2}, steps={STEPS}"
    return Head(head.classes, head.weights, source)


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the head."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-dir", type=Path, default=eval_data.shared_dir())
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    args = parser.parse_args(argv)
    if not (args.shared_dir / eval_data.REDDIT_FILE).exists():
        print(f"reference data not found under {args.shared_dir} (set FIDES_SHARED_DIR)", file=sys.stderr)
        return 2
    args.out.write_text(train(args.shared_dir, SentenceEncoder()).to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
