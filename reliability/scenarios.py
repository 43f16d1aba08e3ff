"""The fault scenarios, each bounded in events and time: kill -9 and restart, kill -9 of one of two
workers (failover), broker unreachable, SIGTERM and restart, a worker frozen past the session timeout (a
zombie), a worker joining mid-stream, scale-in and a rolling restart. Each returns a FaultResult; the chaos
tests assert on it, ``python -m reliability.faults`` tabulates it and ``python -m reliability.campaign``
repeats every one on fresh brokers."""

from __future__ import annotations

import signal
import time
from dataclasses import asdict, dataclass
from typing import Any

from reliability.delivery import (
    DeliveryCount,
    OutputRecord,
    count_delivery,
    read_outputs,
    wait_for_count,
)
from reliability.env import ScenarioEnv
from reliability.processes import WorkerProcess
from reliability.workload import RateProducer, Workload
from workers.broker import EmbeddedBroker


@dataclass(frozen=True)
class ScenarioOptions:
    """Size and pacing of one scenario.

    Attributes:
        events: inputs produced.
        rate_per_s: input rate while the fault happens.
        fault_at_share: the fault is injected once this share of the inputs has an output.
        pause_s: how long the broker stays unreachable (broker scenario), or how long past the session
            timeout a worker stays frozen (zombie scenario).
        timeout_s: bound on waiting for completion after the fault.
    """

    events: int = 200
    rate_per_s: float = 50.0
    fault_at_share: float = 0.25
    pause_s: float = 5.0
    timeout_s: float = 120.0


@dataclass(frozen=True)
class FaultResult:
    """What one injected fault did to delivery.

    Attributes:
        fault: short name of the fault.
        delivery: inputs versus outputs (lost, duplicates before/after dedupe, conflicts).
        wall_s: the scenario's wall time.
        failover_s: kill → the slowest partition's first output afterwards (failover scenarios).
        recovery_s: fault over (restart ready / broker resumed / killed) → stream flowing again.
        exit_code: the stopped worker's exit code (SIGTERM scenario).
        stop_s: SIGTERM → process exit (SIGTERM scenario).
        replay_s: duplicates as seconds of input stream at ``rate_per_s`` (compare: commit interval).
        survivor_alive: every worker not deliberately stopped is still running at the end.
    """

    fault: str
    delivery: DeliveryCount
    wall_s: float
    failover_s: float | None = None
    recovery_s: float | None = None
    exit_code: int | None = None
    stop_s: float | None = None
    replay_s: float | None = None
    survivor_alive: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {**asdict(self), "delivery": self.delivery.to_dict()}


def wait_all_ready(workers: list[WorkerProcess], timeout_s: float = 120.0) -> float:
    """Wait until every worker is ready at the same time (a joining worker rebalances the others)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        for worker in workers:
            worker.wait_ready(timeout_s)
        if all(worker.ready() for worker in workers):
            return time.monotonic() - started
        time.sleep(0.25)
    raise RuntimeError(f"workers not all ready within {timeout_s:.0f} s")


def collect_complete(env: ScenarioEnv, workload: Workload, timeout_s: float) -> list[OutputRecord]:
    """Read outputs until every input has one or ``timeout_s`` passes; returns all outputs read."""
    deadline = time.monotonic() + timeout_s
    wanted = set(workload.upload_ids())
    wait_for_count(env.settings, env.output, len(wanted), timeout_s)
    while True:
        outputs = read_outputs(env.settings, env.output, idle_s=2.0)
        if wanted <= {o.upload_event_id for o in outputs} or time.monotonic() > deadline:
            return outputs
        time.sleep(1.0)


def first_output_after(outputs: list[OutputRecord], moment: float) -> dict[int, float]:
    """Per output partition: seconds from ``moment`` to its first output processed after it."""
    first: dict[int, float] = {}
    for output in outputs:
        if output.processed_at >= moment:
            delay = output.processed_at - moment
            first[output.partition] = min(first.get(output.partition, delay), delay)
    return first


def _start_stream(env: ScenarioEnv, options: ScenarioOptions) -> tuple[Workload, RateProducer]:
    workload = env.workload(options.events)
    producer = RateProducer(env.settings, workload, options.rate_per_s).start()
    wait_for_count(env.settings, env.output, int(options.events * options.fault_at_share), options.timeout_s)
    return workload, producer


def _finish(
    env: ScenarioEnv,
    workload: Workload,
    producer: RateProducer,
    options: ScenarioOptions,
) -> tuple[list[OutputRecord], DeliveryCount]:
    producer.join(options.timeout_s)
    outputs = collect_complete(env, workload, options.timeout_s)
    return outputs, count_delivery(workload.upload_ids(), outputs)


def _replay_s(delivery: DeliveryCount, options: ScenarioOptions) -> float:
    return round(delivery.duplicates_before_dedupe / options.rate_per_s, 2)


def kill9_and_restart(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """kill -9 the only worker mid-stream, start a new one: nothing lost, replays are duplicates only."""
    started = time.monotonic()
    env.start_worker("victim").wait_ready()
    workload, producer = _start_stream(env, options)
    killed_at = env.workers[0].kill()
    replacement = env.start_worker("replacement")
    replacement.wait_ready()
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, killed_at)
    return FaultResult(
        "kill -9 of the only worker, then restart",
        delivery,
        time.monotonic() - started,
        recovery_s=round(min(resumed.values()), 2) if resumed else None,
        replay_s=_replay_s(delivery, options),
        survivor_alive=replacement.proc.poll() is None,
    )


def kill9_one_of_two(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """Two workers in one group, kill -9 one mid-stream: the survivor takes its partitions over."""
    started = time.monotonic()
    victim, survivor = env.start_worker("victim"), env.start_worker("survivor")
    wait_all_ready([victim, survivor])
    workload, producer = _start_stream(env, options)
    killed_at = victim.kill()
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, killed_at)
    return FaultResult(
        "kill -9 of one of two workers (failover)",
        delivery,
        time.monotonic() - started,
        failover_s=round(max(resumed.values()), 2) if resumed else None,
        recovery_s=round(min(resumed.values()), 2) if resumed else None,
        replay_s=_replay_s(delivery, options),
        survivor_alive=survivor.proc.poll() is None,
    )


def broker_unreachable(env: ScenarioEnv, broker: EmbeddedBroker, options: ScenarioOptions) -> FaultResult:
    """Freeze the broker (SIGSTOP) for ``pause_s`` mid-stream: workers recover with no operator."""
    started = time.monotonic()
    worker = env.start_worker("worker")
    worker.wait_ready()
    workload, producer = _start_stream(env, options)
    broker.pause()
    time.sleep(options.pause_s)
    broker.resume()
    resumed_at = time.time()
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, resumed_at)
    return FaultResult(
        f"broker unreachable for {options.pause_s:.0f} s",
        delivery,
        time.monotonic() - started,
        recovery_s=round(min(resumed.values()), 2) if resumed else None,
        replay_s=_replay_s(delivery, options),
        survivor_alive=worker.proc.poll() is None,
    )


def sigterm_and_restart(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """SIGTERM mid-stream: in-flight work finishes and is committed, exit 0; a restart replays nothing
    beyond the commit interval."""
    started = time.monotonic()
    worker = env.start_worker("stopped")
    worker.wait_ready()
    workload, producer = _start_stream(env, options)
    stopped_at = time.monotonic()
    exit_code = worker.stop(signal.SIGTERM)
    stop_s = time.monotonic() - stopped_at
    replacement = env.start_worker("restarted")
    replacement.wait_ready()
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, time.time() - (time.monotonic() - stopped_at))
    return FaultResult(
        "SIGTERM mid-stream, then restart",
        delivery,
        time.monotonic() - started,
        recovery_s=round(max(resumed.values()), 2) if resumed else None,
        exit_code=exit_code,
        stop_s=round(stop_s, 2),
        replay_s=_replay_s(delivery, options),
        survivor_alive=replacement.proc.poll() is None,
    )


def zombie_fenced(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """Two workers; one is frozen (SIGSTOP) past the session timeout, so the group moves its partitions to
    the other, then thawed (SIGCONT): the zombie's late outputs are duplicates with the same ids and its
    late commits must not move an offset past a message the new owner has not finished."""
    started = time.monotonic()
    zombie, survivor = env.start_worker("zombie"), env.start_worker("survivor")
    wait_all_ready([zombie, survivor])
    workload, producer = _start_stream(env, options)
    frozen_at = zombie.freeze()
    time.sleep(env.settings.delivery.session_timeout_s + options.pause_s)
    zombie.thaw()
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, frozen_at)
    return FaultResult(
        f"SIGSTOP past the session timeout ({env.settings.delivery.session_timeout_s:g} s + {options.pause_s:g} s), "
        "then SIGCONT",
        delivery,
        time.monotonic() - started,
        failover_s=round(max(resumed.values()), 2) if resumed else None,
        recovery_s=round(min(resumed.values()), 2) if resumed else None,
        replay_s=_replay_s(delivery, options),
        survivor_alive=survivor.proc.poll() is None and zombie.proc.poll() is None,
    )


def join_mid_stream(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """Two workers; a third joins mid-stream: every partition moves once more, nothing is lost."""
    started = time.monotonic()
    first = [env.start_worker("a"), env.start_worker("b")]
    wait_all_ready(first)
    workload, producer = _start_stream(env, options)
    joined_at = time.time()
    third = env.start_worker("joiner")
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, joined_at)
    return FaultResult(
        "a third worker joins mid-stream",
        delivery,
        time.monotonic() - started,
        recovery_s=round(max(resumed.values()), 2) if resumed else None,
        replay_s=_replay_s(delivery, options),
        survivor_alive=all(w.proc.poll() is None for w in [*first, third]),
    )


def scale_in(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """Two workers; one is stopped (SIGTERM, no replacement) mid-stream: the other takes everything."""
    started = time.monotonic()
    leaving, staying = env.start_worker("leaving"), env.start_worker("staying")
    wait_all_ready([leaving, staying])
    workload, producer = _start_stream(env, options)
    stopped_at = time.time()
    exit_code = leaving.stop(signal.SIGTERM)
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, stopped_at)
    return FaultResult(
        "scale-in: SIGTERM one of two workers, no replacement",
        delivery,
        time.monotonic() - started,
        failover_s=round(max(resumed.values()), 2) if resumed else None,
        exit_code=exit_code,
        replay_s=_replay_s(delivery, options),
        survivor_alive=staying.proc.poll() is None,
    )


def rolling_restart(env: ScenarioEnv, options: ScenarioOptions) -> FaultResult:
    """Two workers replaced one at a time mid-stream (SIGTERM, then a replacement ready before the next)."""
    started = time.monotonic()
    workers = [env.start_worker("old-a"), env.start_worker("old-b")]
    wait_all_ready(workers)
    workload, producer = _start_stream(env, options)
    restarted_at = time.time()
    exit_codes = []
    for index, old in enumerate(list(workers)):
        exit_codes.append(old.stop(signal.SIGTERM))
        workers[index] = env.start_worker(f"new-{index}")
        wait_all_ready(workers)
    outputs, delivery = _finish(env, workload, producer, options)
    resumed = first_output_after(outputs, restarted_at)
    return FaultResult(
        "rolling restart of two workers (SIGTERM + replacement, one at a time)",
        delivery,
        time.monotonic() - started,
        recovery_s=round(max(resumed.values()), 2) if resumed else None,
        exit_code=max(exit_codes),
        replay_s=_replay_s(delivery, options),
        survivor_alive=all(w.proc.poll() is None for w in workers),
    )
