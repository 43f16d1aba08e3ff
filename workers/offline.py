"""Offline commands: the stages' own cores applied to local files and stdin, one JSON object per input."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from workers.errors import PipelineError
from workers.settings import Settings


def transcribe_files(settings: Settings, paths: list[Path]) -> Iterator[dict[str, Any]]:
    """Transcribe local files exactly as the stage does (policy rooted at each file's directory)."""
    from workers.transcribe.core import transcribe_uri
    from workers.transcribe.loader import fetch_policy, load_asr_backend, transcribe_options

    backend, options = load_asr_backend(settings), transcribe_options(settings)
    for path in paths:
        policy = replace(fetch_policy(settings), media_root=path.resolve().parent)
        try:
            transcript = transcribe_uri(path.resolve().as_uri(), backend, policy, options)
        except PipelineError as exc:
            yield {"path": str(path), "error": exc.reason, "message": str(exc)}
            continue
        yield {"path": str(path), **transcript.to_record()}


def tag_lines(settings: Settings, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Tag JSONL objects ``{text, lang?, caption?, hashtags?}`` with the tag stage's core."""
    from workers.cores import load_cores, required
    from workers.tagging import TagInput

    cores = load_cores(settings, ["language", "tag"])
    detector, core = required(cores.language, "language"), required(cores.tag, "tag")
    for line in lines:
        try:
            row = json.loads(line)
            text = str(row.get("text", ""))
        except (json.JSONDecodeError, AttributeError) as exc:
            yield {"error": "bad_json", "message": str(exc), "line": line[:200]}
            continue
        language = row.get("lang") or detector.detect_text(text).language
        inp = TagInput(transcript=text, caption=str(row.get("caption", "")),
                       hashtags=tuple(row.get("hashtags", ())), language=language, secondary_language=None)
        result = core.tag(inp)
        yield {"text": text, "lang": language, "taxonomy_version": result.taxonomy_version,
               "topics": [t.to_record() for t in result.topics], "risk": result.risk}
