"""Soak: N text-only events through the light stages in one worker; RSS at start, middle and end.

    python -m reliability.soak --events 100000

No-audio TranscriptEvents go straight to uploads.transcribed (Whisper is not involved); one worker runs
language, tag, route and registry on a fresh embedded broker. Writes results/reliability_soak.json/.md.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reliability.delivery import DeliveryCount, count_delivery, end_offsets, read_outputs
from reliability.env import LIGHT_STAGES, ScenarioEnv
from reliability.processes import WorkerProcess
from reliability.report import table, write_result
from reliability.workload import no_audio_transcript_event, produce, text_upload
from workers.broker import EmbeddedBroker, free_port
from workers.heap import worker_pauses

MB = 1024 * 1024


@dataclass(frozen=True)
class RssSample:
    """The worker's resident memory after ``done`` outputs, ``at_s`` seconds into the run."""

    at_s: float
    done: int
    rss_mb: float


@dataclass(frozen=True)
class SoakResult:
    """A soak run: throughput, completion and the memory curve."""

    events: int
    seconds: float
    events_per_s: float
    delivery: DeliveryCount
    rss_start_mb: float
    rss_middle_mb: float
    rss_end_mb: float
    rss_max_mb: float
    samples: tuple[RssSample, ...]
    gc_pauses: dict[str, dict[str, float]]  # per generation, from the worker's fides_gc_pause_seconds

    def flat(self, tolerance_mb: float = 25.0) -> bool:
        """Memory is flat when the second half of the run grew it by less than ``tolerance_mb``."""
        return self.rss_end_mb - self.rss_middle_mb < tolerance_mb

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {**asdict(self), "delivery": self.delivery.to_dict(), "flat": self.flat()}


def _sample_until(
    env: ScenarioEnv, worker: WorkerProcess, events: int, started: float, timeout_s: float, every_s: float
) -> list[RssSample]:
    samples: list[RssSample] = []
    while time.monotonic() - started < timeout_s and worker.proc.poll() is None:
        done = end_offsets(env.settings, env.output)
        samples.append(RssSample(round(time.monotonic() - started, 1), done, round((worker.rss_bytes() or 0) / MB, 1)))
        if done >= events:
            break
        time.sleep(every_s)
    return samples


def run_soak(events: int, work_dir: Path, timeout_s: float, every_s: float = 5.0) -> SoakResult:
    """Produce ``events`` as fast as the broker takes them and follow the worker until all are answered."""
    with (
        EmbeddedBroker(port=free_port(), log_path=work_dir / "broker.log") as broker,
        ScenarioEnv(broker.bootstrap_servers, work_dir, stages=LIGHT_STAGES) as env,
    ):
        env.create_topics()
        worker = env.start_worker("soak")
        worker.wait_ready()
        uploads = [text_upload(env.run, i) for i in range(events)]
        started = time.monotonic()
        start = RssSample(0.0, 0, round((worker.rss_bytes() or 0) / MB, 1))
        sender = threading.Thread(
            target=produce,
            daemon=True,
            args=(env.settings, "uploads.transcribed", (no_audio_transcript_event(u) for u in uploads)),
        )
        sender.start()
        samples = [start, *_sample_until(env, worker, events, started, timeout_s, every_s)]
        seconds = samples[-1].at_s
        pauses = worker_pauses(worker.settings.worker.web_port)
        sender.join(60)
        delivery = count_delivery([u["event_id"] for u in uploads], read_outputs(env.settings, env.output))
    middle = min(samples, key=lambda s: abs(s.done - events / 2))
    return SoakResult(
        events,
        seconds,
        round(samples[-1].done / max(seconds, 1e-9), 1),
        delivery,
        start.rss_mb,
        middle.rss_mb,
        samples[-1].rss_mb,
        max(s.rss_mb for s in samples),
        tuple(samples),
        pauses,
    )


def markdown(result: SoakResult) -> str:
    """The soak report."""
    d = result.delivery
    rows = [
        [
            result.events,
            result.seconds,
            result.events_per_s,
            d.events_out,
            d.lost,
            d.duplicates_before_dedupe,
            result.rss_start_mb,
            result.rss_middle_mb,
            result.rss_end_mb,
            result.rss_max_mb,
            "yes" if result.flat() else "no",
        ]
    ]
    header = [
        "events",
        "seconds",
        "events/s",
        "out",
        "lost",
        "duplicates",
        "RSS start MB",
        "RSS middle MB",
        "RSS end MB",
        "RSS max MB",
        "flat",
    ]
    curve = table(["s", "answered", "RSS MB"], [[s.at_s, s.done, s.rss_mb] for s in result.samples])
    pauses = table(["generation", "collections", "total pause s", "mean ms", "pauses > 50 ms"],
                   [[gen, f"{v.get('collections', 0):.0f}", f"{v.get('pause_s', 0.0):.3f}",
                     f"{v.get('mean_ms', 0.0):.2f}", f"{v.get('over_50ms', 0):.0f}"]
                    for gen, v in sorted(result.gc_pauses.items())])
    return (
        f"# Soak: {result.events} text-only events, light stages, one worker\n\n{table(header, rows)}\n\n"
        f"## Garbage-collector pauses (the worker's `fides_gc_pause_seconds`)\n\n{pauses}\n\n"
        f"## RSS over the run\n\n{curve}\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between RSS samples")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        result = run_soak(args.events, Path(tmp), args.timeout, args.sample_every)
    print(write_result("reliability_soak", result.to_dict(), markdown(result)).read_text()[:3000])
    return 0 if result.delivery.lost == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
