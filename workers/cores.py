"""The stage cores of one worker process: loaded once at start, typed, one field per stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, TypeVar

from workers.settings import Settings
from workers.stages import STAGES

if TYPE_CHECKING:  # the cores' modules load models; a worker imports only those of its own stages
    from workers.language.detector import LanguageDetector
    from workers.routing.loader import RouteCore
    from workers.tagging.loader import TagCore
    from workers.transcribe.loader import TranscribeCore

Core = TypeVar("Core")


@dataclass(frozen=True)
class Cores:
    """Each stage's core, or None where this process does not run the stage (registry has none)."""

    transcribe: TranscribeCore | None = None
    language: LanguageDetector | None = None
    tag: TagCore | None = None
    route: RouteCore | None = None

    def close(self) -> None:
        """Release what the cores hold outside Python's heap (the ASR threads)."""
        if self.transcribe is not None:
            self.transcribe.close()


def required(core: Core | None, stage: str) -> Core:
    """A stage's core, which the worker must have loaded before wiring the stage."""
    if core is None:
        raise LookupError(f"the {stage} core is not loaded in this process")
    return core


def load_cores(settings: Settings, stages: Iterable[str]) -> Cores:
    """Cores for ``stages``, each built once by its stage package's loader."""
    wanted = set(stages)
    return Cores(**{stage.id: import_module(stage.loader).load_core(settings)
                    for stage in STAGES if stage.id in wanted and stage.loader})
