"""Fault campaign: every fault scenario repeated N times, each run on a fresh embedded broker, bounded.

    python -m reliability.campaign [--repeat 20] [--events 200] [--rate 40] [--hog] [--only a,b]

Scenarios (``SCENARIOS``): kill -9 of one of two workers; a worker frozen (SIGSTOP) past the session
timeout then thawed (a zombie that must be fenced); a third worker joining mid-stream; scale-in (SIGTERM
one of two, no replacement); a rolling restart (SIGTERM + replacement, one at a time); the broker
unreachable for 5 s and for 30 s. ``--hog`` runs a busy process beside the workers (the loss appeared
under load). Every run counts lost inputs (must be 0), duplicates before dedupe (replays: same ids),
distinct answers beyond one per input and conflicting answers (both must be 0), and failover or recovery
seconds. Writes results/reliability_chaos.json and .md after every run (a cut-short campaign keeps what
ran).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reliability.env import LIGHT_STAGES, ScenarioEnv
from reliability.report import table, write_result
from reliability.scenarios import (
    FaultResult,
    ScenarioOptions,
    broker_unreachable,
    join_mid_stream,
    kill9_one_of_two,
    rolling_restart,
    scale_in,
    zombie_fenced,
)
from reliability.trace import write_trace
from workers.audit import audit, read_pipeline
from workers.broker import EmbeddedBroker, free_port
from workers.runtime import Runtime
from workers.settings import Settings

Run = Callable[[ScenarioEnv, EmbeddedBroker, ScenarioOptions], FaultResult]


@dataclass(frozen=True)
class Scenario:
    """A named fault and the options it overrides."""

    name: str
    run: Run
    pause_s: float | None = None
    stream_s: float | None = None  # keep the stream going this long: the fault must land mid-stream
    group_changes: int = 1  # rebalances the fault causes: each may replay up to one commit interval per hop


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("kill9-one-of-two", lambda env, broker, o: kill9_one_of_two(env, o)),
    Scenario("zombie-sigstop", lambda env, broker, o: zombie_fenced(env, o), pause_s=6.0, group_changes=2),
    # a joining worker needs ~10 s to start and two restarts ~25 s: their streams last 20 and 30 s
    Scenario("join-mid-stream", lambda env, broker, o: join_mid_stream(env, o), stream_s=20.0),
    Scenario("scale-in", lambda env, broker, o: scale_in(env, o)),
    Scenario("rolling-restart", lambda env, broker, o: rolling_restart(env, o), stream_s=30.0, group_changes=4),
    Scenario("broker-unreachable-5s", broker_unreachable, pause_s=5.0, group_changes=0),
    Scenario("broker-unreachable-30s", broker_unreachable, pause_s=30.0, group_changes=0),
)


def cpu_hog() -> subprocess.Popen[bytes]:
    """A process that keeps one core busy beside the workers (ended with ``terminate``)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])  # noqa: S603 - our interpreter


def run_once(scenario: Scenario, options: ScenarioOptions, work_dir: Path, hog: bool,
             trace: bool = False, stages: tuple[str, ...] = LIGHT_STAGES) -> dict[str, Any]:
    """One run on its own fresh broker; an exception is recorded as the run's error, not raised. With
    ``trace``, a run that lost an input writes every record's coordinates and the lost inputs' trails to
    ``work_dir/trace.json`` before its broker (which keeps data in memory) stops. With the transcribe stage
    in ``stages`` (``--full-pipeline``: inputs on uploads.new), the completeness audit runs at the end."""
    options = replace(options, pause_s=scenario.pause_s) if scenario.pause_s is not None else options
    if scenario.stream_s is not None:
        options = replace(options, events=max(options.events, int(scenario.stream_s * options.rate_per_s)))
    started = time.monotonic()
    hogging = cpu_hog() if hog else None
    try:
        with (
            EmbeddedBroker(port=free_port(), log_path=work_dir / "broker.log") as broker,
            ScenarioEnv(broker.bootstrap_servers, work_dir, stages=stages) as env,
        ):
            env.create_topics()
            result = scenario.run(env, broker, options)
            traced = _trace_losses(env, result, work_dir) if trace and result.delivery.lost else {}
            audited = _audit(env) if "transcribe" in stages else {}
        return {"scenario": scenario.name, "ok": result.delivery.exactly_once_after_dedupe, **result.to_dict(),
                **traced, **audited}
    except Exception as exc:  # one broken run must not end the campaign; it is reported as failed
        return {"scenario": scenario.name, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
                "traceback": traceback.format_exc()[-2000:], "wall_s": time.monotonic() - started}
    finally:
        if hogging is not None:
            hogging.terminate()
            hogging.wait()


def _audit(env: ScenarioEnv) -> dict[str, Any]:
    """``python -m workers audit --grace 0`` on the run's topics: uploads with neither an enrichment nor a
    dead letter (the operator's view of the same question the delivery count answers)."""
    try:
        uploads, answers = read_pipeline(env.settings, idle_s=2.0)
        report = audit(uploads, answers, now_ms=int(time.time() * 1000), grace_s=0.0)
        return {"audit": {"uploads": report.uploads, "unanswered": len(report.unanswered)}}
    except Exception as exc:  # reported beside the run's counts, never in their place
        return {"audit_error": f"{type(exc).__name__}: {exc}"[:500]}


def _trace_losses(env: ScenarioEnv, result: FaultResult, work_dir: Path) -> dict[str, Any]:
    """Every record of the run's topics and the lost inputs' trails, to ``work_dir/trace.json``. A failure
    here is recorded beside the run's counts, never in their place."""
    try:
        catalog = Runtime.create(env.settings).catalog
        names = dict.fromkeys(t.name for stage in env.settings.worker.stages for t in catalog.consumed_by(stage))
        path = write_trace(env.settings, [*names, env.output, "pipeline.dlq"], result.delivery.lost_ids,
                           work_dir / "trace.json")
        return {"trace": str(path)}
    except Exception as exc:  # the broker's data is gone after this run: say why the trail is missing
        return {"trace_error": f"{type(exc).__name__}: {exc}"[:500]}


def _seconds(run: dict[str, Any]) -> float | None:
    value = run.get("failover_s") if run.get("failover_s") is not None else run.get("recovery_s")
    return float(value) if value is not None else None


def replay_bound(scenario: str, rate_per_s: float, hops: int = len(LIGHT_STAGES)) -> int:
    """Duplicates a run may replay: per rebalance, one commit interval of the stream at every hop (offsets
    finished since the last commit of the partitions that changed hands are read again)."""
    changes = next((s.group_changes for s in SCENARIOS if s.name == scenario), 1)
    commit_s = Settings().delivery.commit_interval_s
    return math.ceil(changes * hops * rate_per_s * commit_s)


def summarize(runs: list[dict[str, Any]], rate_per_s: float = 40.0,
              hops: int = len(LIGHT_STAGES)) -> list[dict[str, Any]]:
    """Per scenario: runs, failures, lost, duplicates (and runs over the replay bound), failover seconds."""
    rows = []
    for name in dict.fromkeys(r["scenario"] for r in runs):
        mine = [r for r in runs if r["scenario"] == name]
        counted = [r["delivery"] for r in mine if "delivery" in r]
        seconds = [s for s in (_seconds(r) for r in mine) if s is not None]
        bound = replay_bound(name, rate_per_s, hops)
        rows.append({
            "scenario": name, "runs": len(mine), "errors": sum(1 for r in mine if "error" in r),
            "runs_with_loss": sum(1 for d in counted if d["lost"]), "lost": sum(d["lost"] for d in counted),
            "events_in": sum(d["events_in"] for d in counted),
            "duplicates_before_dedupe": sum(d["duplicates_before_dedupe"] for d in counted),
            "max_duplicates": max((d["duplicates_before_dedupe"] for d in counted), default=0),
            "audit_unanswered": (sum(r["audit"]["unanswered"] for r in mine if "audit" in r)
                                 if any("audit" in r for r in mine) else None),
            "replay_bound": bound,
            "runs_over_bound": sum(1 for d in counted if d["duplicates_before_dedupe"] > bound),
            "duplicates_after_dedupe": sum(d["duplicates_after_dedupe"] for d in counted),
            "conflicting": sum(d["conflicting"] for d in counted),
            "seconds_median": round(statistics.median(seconds), 2) if seconds else None,
            "seconds_max": round(max(seconds), 2) if seconds else None,
        })
    return rows


HEADER = ["scenario", "runs", "errors", "events in", "lost", "runs with loss", "audit: unanswered",
          "dup before dedupe (max/run)", "replay bound / runs over", "dup after dedupe", "conflicting",
          "failover / recovery s median", "max"]


def markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The campaign table."""
    cells = [[r["scenario"], r["runs"], r["errors"], r["events_in"], r["lost"], r["runs_with_loss"],
              r.get("audit_unanswered"), f"{r['duplicates_before_dedupe']} ({r['max_duplicates']})",
              f"{r.get('replay_bound', '—')} / {r.get('runs_over_bound', '—')}", r["duplicates_after_dedupe"],
              r["conflicting"], r["seconds_median"], r["seconds_max"]] for r in rows]
    total = sum(r["runs"] for r in rows)
    lost = sum(r["lost"] for r in rows)
    return (f"# Fault campaign: {total} runs, {lost} lost\n\n`{meta['command']}` — {meta['events']} events at "
            f"{meta['rate_per_s']}/s per run (join and rolling restart: 20 and 30 s of stream, so the fault lands "
            f"mid-stream), each run on a fresh embedded broker, CPU hog beside: "
            f"{'yes' if meta['hog'] else 'no'}. Failover = fault → the slowest partition's first output "
            f"after it; recovery = fault over → the stream flowing again. Replay bound = rebalances × hops × "
            f"rate × commit interval (duplicates with the same ids a run may replay).\n\n{table(HEADER, cells)}\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit 1 when any run lost an input, answered twice differently or failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per scenario")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=40.0, help="input events per second")
    parser.add_argument("--timeout", type=float, default=90.0, help="bound on completion after each fault")
    parser.add_argument("--hog", action="store_true", help="a busy process beside the workers")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--stem", default="reliability_chaos", help="results file stem")
    parser.add_argument("--keep-dir", type=Path, help="keep each run's broker and worker logs under this directory")
    parser.add_argument("--full-pipeline", action="store_true",
                        help="workers run the transcribe stage too (text-only uploads on uploads.new); "
                             "the completeness audit runs after every run")
    parser.add_argument("--render", type=Path, help="only rewrite the results of a saved campaign JSON (its runs)")
    args = parser.parse_args(argv)
    if args.render is not None:
        return render(args.render, args.stem)
    # SIGTERM unwinds like Ctrl-C: each run's workers, broker and CPU hog are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    options = ScenarioOptions(events=args.events, rate_per_s=args.rate, timeout_s=args.timeout)
    meta = {"command": "python -m reliability.campaign " + " ".join(argv if argv is not None else sys.argv[1:]),
            "repeat": args.repeat, "events": args.events, "rate_per_s": args.rate, "hog": args.hog}
    stages = ("transcribe", *LIGHT_STAGES) if args.full_pipeline else LIGHT_STAGES
    meta["hops"] = len(stages)
    runs: list[dict[str, Any]] = []
    for index in range(args.repeat):  # interleaved: a slow hour of the machine hits every scenario alike
        for scenario in chosen:
            if args.keep_dir is not None:
                kept = args.keep_dir / f"{index + 1:03d}-{scenario.name}"
                kept.mkdir(parents=True, exist_ok=True)
                runs.append(run_once(scenario, options, kept, args.hog, trace=True, stages=stages))
                runs[-1]["logs"] = str(kept)
            else:
                with tempfile.TemporaryDirectory(prefix=f"chaos-{scenario.name}-") as tmp:
                    runs.append(run_once(scenario, options, Path(tmp), args.hog, stages=stages))
            run = runs[-1]
            print(f"[{index + 1}/{args.repeat}] {scenario.name}: "
                  f"{run.get('delivery', run.get('error'))} s={_seconds(run)}", flush=True)
            rows = summarize(runs, args.rate, len(stages))
            write_result(args.stem, {**meta, "summary": rows, "runs": runs}, markdown(rows, meta))
    return 0 if all(r["ok"] for r in runs) else 1


def render(path: Path, stem: str) -> int:
    """Summarise a saved campaign's runs again (the same command, newer report columns)."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    meta = {k: v for k, v in saved.items() if k not in ("summary", "runs", "machine")}
    rows = summarize(saved["runs"], meta["rate_per_s"], saved.get("hops", len(LIGHT_STAGES)))
    write_result(stem, {**meta, "summary": rows, "runs": saved["runs"]}, markdown(rows, meta))
    return 0 if all(r["ok"] for r in saved["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
