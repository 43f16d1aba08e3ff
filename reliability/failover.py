"""Failover measurement: two workers in one group on a fresh embedded broker, kill -9 one mid-stream.

    python -m reliability.failover [--events 600 --rate 30]
    SESSION_TIMEOUT_S=60 HEARTBEAT_INTERVAL_S=3 COMMIT_INTERVAL_S=2.8 BROKER_REQUEST_TIMEOUT_S=90 \\
        python -m reliability.failover \\
        --label faust-defaults

Failover = kill → the slowest partition's first output afterwards (rebalance included). Session,
heartbeat and commit settings come from the environment like a worker's. Writes
results/reliability_failover[-<label>].json and .md.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from reliability.delivery import table_cells
from reliability.env import ScenarioEnv
from reliability.report import table, write_result
from reliability.scenarios import FaultResult, ScenarioOptions, kill9_one_of_two
from workers.broker import EmbeddedBroker, free_port

_TUNING = ("SESSION_TIMEOUT_S", "HEARTBEAT_INTERVAL_S", "COMMIT_INTERVAL_S", "BROKER_REQUEST_TIMEOUT_S")


def measure(events: int, rate: float, timeout_s: float, work_dir: Path) -> tuple[FaultResult, dict[str, float]]:
    """Run the two-worker kill -9 scenario once; returns the result and the tuning it ran with."""
    tuning = {k: os.environ[k] for k in _TUNING if k in os.environ}
    with (
        EmbeddedBroker(port=free_port(), log_path=work_dir / "broker.log") as broker,
        ScenarioEnv(broker.bootstrap_servers, work_dir, env=tuning) as env,
    ):
        env.create_topics()
        settings = env.settings
        result = kill9_one_of_two(env, ScenarioOptions(events=events, rate_per_s=rate, timeout_s=timeout_s))
    return result, {
        "session_timeout_s": settings.delivery.session_timeout_s,
        "heartbeat_interval_s": settings.delivery.heartbeat_interval_s,
        "commit_interval_s": settings.delivery.commit_interval_s,
    }


def markdown(result: FaultResult, tuning: dict[str, float], label: str) -> str:
    """The failover report."""
    d = result.delivery
    rows = [
        [
            label,
            tuning["session_timeout_s"],
            tuning["heartbeat_interval_s"],
            tuning["commit_interval_s"],
            result.failover_s,
            *table_cells(d),
        ]
    ]
    header = [
        "settings",
        "session s",
        "heartbeat s",
        "commit s",
        "failover s",
        "in",
        "out",
        "lost",
        "dup before dedupe",
        "dup after dedupe",
        "conflicting",
    ]
    return f"# Failover: kill -9 of one of two workers\n\n{table(header, rows)}\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=900)
    parser.add_argument("--rate", type=float, default=30.0, help="input events per second")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--label", default="", help="suffix of the results file, e.g. faust-defaults")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="failover-") as tmp:
        result, tuning = measure(args.events, args.rate, args.timeout, Path(tmp))
    label = args.label or "tuned"
    stem = "reliability_failover" + (f"-{args.label}" if args.label else "")
    payload = {
        "label": label,
        "tuning": tuning,
        "events": args.events,
        "rate_per_s": args.rate,
        "result": result.to_dict(),
    }
    print(write_result(stem, payload, markdown(result, tuning, label)).read_text())
    return 0 if result.delivery.lost == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
