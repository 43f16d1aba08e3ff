"""The light-stage worker with language detection and tagging answered from a table: the framework's floor.

``python -m bench.floor_worker worker`` runs the real worker — Faust agents, the stage runner,
Avro, event ids, metrics, the route and registry stages — but the language core returns one decision
computed at start-up and the tag core one result, whatever the upload says. Its throughput is the most
the light path could reach in one process if language detection and tagging cost nothing, which is what
the per-process targets have to be read against. Bench-only: nothing in the pipeline imports it.
"""

from __future__ import annotations

import sys
from typing import Any

from workers import cli, worker
from workers.cores import load_cores
from workers.language.types import LanguageEvidence

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


def _constant_cores(settings: Any, stages: Any) -> dict[str, Any]:
    built = load_cores(settings, stages)
    if "language" in built:
        built["language"] = ConstantDetector(built["language"])
    return built


def main(argv: list[str] | None = None) -> int:
    """Run ``workers.cli`` with the constant language core and the constant tag function installed."""
    from workers.agents import tag as tag_agent
    from workers.tagging import TagInput

    real_tag = tag_agent.tag
    answers: dict[str, Any] = {}

    def constant_tag(fields: TagInput, *args: Any, **kwargs: Any) -> Any:
        if "result" not in answers:  # the real tagger's answer for the sample, computed once
            sample = TagInput(transcript="", caption=SAMPLE.caption, hashtags=SAMPLE.hashtags, language="en")
            answers["result"] = real_tag(sample, *args, **kwargs)
        return answers["result"]

    tag_agent.tag = constant_tag
    worker.load_cores = _constant_cores  # the name worker.py imported
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
