"""The fault table: run every fault scenario on a fresh embedded broker and tabulate delivery.

    python -m reliability.faults [--fuzz-log fuzz.log] [--reuse]

Rows come from the runs made here; the soak and failover rows are read from results/reliability_soak.json
and results/reliability_failover*.json when those runs exist; the fuzz case count is summed from a
``pytest --hypothesis-show-statistics`` log. Writes results/reliability_faults.json and .md.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reliability.delivery import DeliveryCount, table_cells
from reliability.env import LIGHT_STAGES, ScenarioEnv
from reliability.report import RESULTS_DIR, table, write_result
from reliability.scenarios import (
    FaultResult,
    ScenarioOptions,
    broker_unreachable,
    kill9_and_restart,
    kill9_one_of_two,
    sigterm_and_restart,
)
from workers.broker import EmbeddedBroker, free_port
from workers.stages import STAGE_IDS as ALL_STAGES

HEADER = [
    "fault injected",
    "events in",
    "events out",
    "lost",
    "dup before dedupe",
    "dup after dedupe",
    "conflicting answers",
    "failover / recovery s",
]


def run_all(options: ScenarioOptions, work_dir: Path) -> list[FaultResult]:
    """Each scenario in its own isolated run (prefix, group) on one fresh broker."""
    plans: list[tuple[tuple[str, ...], Callable[..., FaultResult]]] = [
        (ALL_STAGES, kill9_and_restart),
        (LIGHT_STAGES, kill9_one_of_two),
        (LIGHT_STAGES, sigterm_and_restart),
    ]
    results = []
    with EmbeddedBroker(port=free_port(), log_path=work_dir / "broker.log") as broker:
        for index, (stages, scenario) in enumerate(plans):
            with ScenarioEnv(broker.bootstrap_servers, work_dir / f"s{index}", stages=stages) as env:
                env.create_topics()
                results.append(scenario(env, options))
            print(results[-1].to_dict(), flush=True)
        with ScenarioEnv(broker.bootstrap_servers, work_dir / "pause", stages=LIGHT_STAGES) as env:
            env.create_topics()
            results.append(broker_unreachable(env, broker, options))
    return results


def fault_row(result: FaultResult) -> list[Any]:
    """One table row."""
    d = result.delivery
    timing = result.failover_s if result.failover_s is not None else result.recovery_s
    return [result.fault, *table_cells(d), timing]


def stored_rows(results_dir: Path) -> list[list[Any]]:
    """Rows from earlier soak and failover runs, when their results exist."""
    rows = []
    for path in sorted(results_dir.glob("reliability_failover*.json")):
        data = json.loads(path.read_text())
        d, tuning = data["result"]["delivery"], data["tuning"]
        rows.append(
            [
                f"failover run ({data['label']}: session {tuning['session_timeout_s']:g} s, commit "
                f"{tuning['commit_interval_s']:g} s)",
                *table_cells(d),
                data["result"]["failover_s"],
            ]
        )
    soak = results_dir / "reliability_soak.json"
    if soak.exists():
        data = json.loads(soak.read_text())
        d = data["delivery"]
        rows.append(
            [
                f"none: soak, {data['events_per_s']} events/s, RSS {data['rss_start_mb']} → {data['rss_end_mb']} MB",
                *table_cells(d),
                None,
            ]
        )
    return rows


def stored_scenarios(path: Path) -> list[FaultResult]:
    """The scenario results of an earlier run of this command."""
    scenarios = json.loads(path.read_text())["scenarios"]
    return [FaultResult(**{**s, "delivery": DeliveryCount(**s["delivery"])}) for s in scenarios]


def fuzz_cases(log: Path) -> tuple[int, int]:
    """(cases run, failing cases) hypothesis reported in a --hypothesis-show-statistics log."""
    found = re.findall(r"(\d+) passing, (\d+) failing", log.read_text(errors="replace"))
    return sum(int(p) + int(f) for p, f in found), sum(int(f) for _, f in found)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--reuse", action="store_true", help="re-tabulate the last run's scenarios (no new runs)")
    parser.add_argument("--fuzz-log", type=Path, help="a `make fuzz` log run with --hypothesis-show-statistics")
    args = parser.parse_args(argv)
    if args.reuse:
        results = stored_scenarios(RESULTS_DIR / "reliability_faults.json")
    else:
        with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
            results = run_all(ScenarioOptions(events=args.events, rate_per_s=args.rate), Path(tmp))
    rows = [fault_row(r) for r in results] + stored_rows(RESULTS_DIR)
    cases, failing = fuzz_cases(args.fuzz_log) if args.fuzz_log else (None, None)
    fuzz_line = f"\nFuzzing (`make fuzz`): {cases} hypothesis cases, {failing} failing.\n" if cases else ""
    markdown = f"# Faults injected\n\n{table(HEADER, rows)}\n{fuzz_line}"
    payload = {"scenarios": [r.to_dict() for r in results], "rows": rows, "fuzz_cases": cases, "fuzz_failing": failing}
    print(write_result("reliability_faults", payload, markdown).read_text())
    return 0 if all(r.delivery.exactly_once_after_dedupe for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
