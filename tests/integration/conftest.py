"""One real broker (Tansu, embedded) per test session; uuid topic prefixes and groups per test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reliability.processes import WorkerProcess
from workers.broker import EmbeddedBroker, free_port
from workers.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """The session's embedded broker; its log tail is printed when a test fails."""
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(port=free_port(), log_path=log_path) as running:
        yield running


@pytest.fixture
def settings_factory(broker: EmbeddedBroker, tmp_path: Path) -> Callable[..., Settings]:
    """Settings isolated per test: own topic prefix, app id (consumer group), data dir and web port."""
    run = uuid.uuid4().hex[:8]
    media_root = tmp_path / "media"
    media_root.mkdir()

    def make(**overrides: object) -> Settings:
        base = dict(kafka_bootstrap_servers=broker.bootstrap_servers, topic_prefix=f"t{run}.", app_id=f"it-{run}",
                    data_dir=tmp_path / "data", web_port=free_port(), media_root=media_root, replication_factor=1)
        base.update(overrides)
        return Settings.from_env({}, **base)

    return make


@pytest.fixture
def worker_factory(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker subprocesses; all are stopped at teardown and their logs shown if the test failed."""
    started: list[WorkerProcess] = []

    def start(settings: Settings, name: str = "worker") -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path / f"{name}-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        for worker in started:
            print(f"--- {worker.log_path.name} ---\n{worker.log_tail()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.when == "call" and report.failed and "broker" in item.fixturenames:
        broker = item.funcargs.get("broker")
        if broker is not None and broker.log_path and broker.log_path.exists():
            tail = "\n".join(broker.log_path.read_text(errors="replace").splitlines()[-30:])
            report.sections.append(("broker log tail", tail))
