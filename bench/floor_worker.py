"""The light-stage worker with language detection and tagging answered from a table: the framework's floor.

``python -m bench.floor_worker worker`` runs the real worker — Faust agents, the stage runner,
Avro, event ids, metrics, the route and registry stages — but the language core returns one decision
computed at start-up and the tag core one result, whatever the upload says. Its throughput is the most
the light path could reach in one process if language detection and tagging cost nothing, which is what
the per-process targets have to be read against. Bench-only: nothing in the pipeline imports it. The
constant cores go in through ``run_worker``'s ``cores`` argument: nothing is patched.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from workers.cores import Cores, load_cores
from workers.language.types import LanguageEvidence
from workers.settings import Settings
from workers.tagging import TagInput, TagResult
from workers.worker import run_worker

# No health topic, so no upload gets a PSA or a topic boost: the floor errs on the fast side, which makes it a
# bound — the real light path cannot pass it.
SAMPLE = LanguageEvidence(caption="Sunset at the beach with my friends, best day of the summer #travel",
                          hashtags=("travel",), region="US")


class ConstantDetector:
    """A language core that always answers with the real detector's decision for one sample upload."""

    def __init__(self, detector: Any) -> None:
        self.decision = detector.detect(SAMPLE)

    def detect(self, evidence: LanguageEvidence) -> Any:
        """The sample's decision, for any upload."""
        return self.decision


class ConstantTagger:
    """A tag core that always answers with the real tagger's result for the sample upload."""

    def __init__(self, core: Any) -> None:
        self.taxonomy = core.taxonomy
        self.result = core.tag(TagInput(transcript="", caption=SAMPLE.caption, hashtags=SAMPLE.hashtags,
                                        language="en"))

    def tag(self, fields: TagInput) -> TagResult:
        """The sample's topics, for any upload."""
        return self.result  # type: ignore[no-any-return]


def constant_cores(settings: Settings) -> Cores:
    """The real cores of ``settings.worker.stages`` with language and tag replaced by their constant answers."""
    built = load_cores(settings, settings.worker.stages)
    return replace(
        built,
        language=ConstantDetector(built.language) if built.language else None,
        tag=ConstantTagger(built.tag) if built.tag else None,
    )


def main(argv: list[str] | None = None) -> int:
    """``worker [--stages …]``: run the light worker with the constant cores."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor_worker")
    parser.add_argument("command", choices=["worker"])
    parser.add_argument("--stages", help="comma-separated stages (default: STAGES)")
    args = parser.parse_args(argv)
    overrides = {"stages": tuple(s for s in args.stages.split(",") if s)} if args.stages else {}
    settings = Settings.from_env(None, **overrides)
    return run_worker(settings, cores=constant_cores(settings))


if __name__ == "__main__":
    sys.exit(main())
