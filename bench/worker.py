"""One benchmark measurement in its own process, so peak RSS belongs to one backend configuration.

``python -m bench.worker SPEC.json`` reads a ``WorkerSpec`` and prints one JSON line: the
measurements, with ``ru_maxrss_kb`` of this process. Models are loaded and warmed up before timing.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.asr_spec import WorkerSpec
from workers.transcribe.types import AsrBackend, DecodeOptions


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(spec: WorkerSpec) -> AsrBackend:
    """The backend the spec names, loaded the way the workers load it."""
    from workers.transcribe.backends import load_backend

    return load_backend(spec.backend, Path(spec.model_dir), "cpu", spec.compute_type, spec.threads)


def run_clips(spec: WorkerSpec, backend: AsrBackend) -> list[dict[str, Any]]:
    """Transcribe every clip once (after one untimed warm-up), timing wall and CPU seconds."""
    from workers.transcribe.decode import decode_audio

    options = DecodeOptions(beam_size=spec.beam_size)
    audio = [decode_audio(Path(path).read_bytes()) for path in spec.clips]
    backend.transcribe(audio[0], options)  # warm-up: first-call allocations and lazy inits
    rows = []
    for path, samples in zip(spec.clips, audio, strict=True):
        wall, cpu = time.perf_counter(), _cpu_s()
        result = backend.transcribe(samples, options)
        rows.append(
            {
                "path": path,
                "audio_s": samples.size / 16_000,
                "wall_s": time.perf_counter() - wall,
                "cpu_s": _cpu_s() - cpu,
                "text": result.text,
                "language": result.language,
            }
        )
    return rows


def main(argv: list[str]) -> int:
    """Entry point: ``python -m bench.worker SPEC.json``; prints the result as JSON."""
    spec = WorkerSpec(**json.loads(Path(argv[0]).read_text("utf-8")))
    started = time.perf_counter()
    backend = load(spec)
    load_s = time.perf_counter() - started
    if spec.task == "clips":
        payload: dict[str, Any] = {"clips": run_clips(spec, backend)}
    else:
        from bench.stream import run_stream

        payload = run_stream(spec, backend)
    payload |= {
        "spec": asdict(spec),
        "backend": backend.name,
        "compute_type": backend.compute_type,
        "load_s": load_s,
        "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(payload, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
