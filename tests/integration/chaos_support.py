"""Fixtures for the chaos tests: isolated scenario runs on the session broker or on a dedicated one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workers.broker import EmbeddedBroker, free_port
from workers.reliability.env import ScenarioEnv


@pytest.fixture
def scenario_env_factory(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., ScenarioEnv]]:
    """Build ScenarioEnvs (topics created); workers are stopped at teardown, their logs shown on failure."""
    envs: list[ScenarioEnv] = []

    def make(bootstrap_servers: str, **kwargs: object) -> ScenarioEnv:
        env = ScenarioEnv(bootstrap_servers, tmp_path / f"run{len(envs)}", **kwargs)  # type: ignore[arg-type]
        env.create_topics()
        envs.append(env)
        return env

    yield make
    for env in envs:
        env.close()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for env in envs:
            for worker in env.workers:
                print(f"--- {worker.log_path.name} ---\n{worker.log_tail(40)}")


@pytest.fixture
def dedicated_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own (it gets frozen; the session broker is shared)."""
    with EmbeddedBroker(port=free_port(), log_path=tmp_path / "dedicated-broker.log") as broker:
        yield broker
