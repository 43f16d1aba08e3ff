"""An isolated run on one broker: its own topic prefix and consumer group, its topics and its workers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from kafka import KafkaAdminClient

from reliability.processes import WorkerProcess
from reliability.workload import Workload
from workers.broker import free_port
from workers.contracts.admin import apply_topics
from workers.publisher import kafka_security
from workers.runtime import Runtime
from workers.settings import Settings
from workers.stages import LIGHT_GROUP

# The stages that never touch Whisper; the source is uploads.transcribed (no-audio transcript events).
LIGHT_STAGES = LIGHT_GROUP


class ScenarioEnv:
    """Settings isolated per run (prefix, group, ports, data dirs) plus the workers started in it."""

    def __init__(
        self,
        bootstrap_servers: str,
        work_dir: Path,
        stages: tuple[str, ...] = LIGHT_STAGES,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.work_dir = work_dir
        base: dict[str, Any] = dict(
            kafka_bootstrap_servers=bootstrap_servers,
            topic_prefix=f"rel{self.run}.",
            app_id=f"rel-{self.run}",
            data_dir=work_dir / "data",
            web_port=free_port(),
            replication_factor=1,
            stages=stages,
        )
        base.update(overrides)
        self.settings = Settings.from_env(env or {}, **base)
        self.workers: list[WorkerProcess] = []

    @property
    def output(self) -> str:
        """The topic whose records answer each input: content.enriched, or uploads.tagged without route."""
        return "content.enriched" if "route" in self.settings.worker.stages else "uploads.tagged"

    def workload(self, count: int) -> Workload:
        """Text-only inputs for the stages this run has (uploads with transcribe, else transcripts)."""
        if "transcribe" in self.settings.worker.stages:
            return Workload.uploads(self.run, count)
        return Workload.transcripts(self.run, count)

    def create_topics(self) -> None:
        """Create every topics.yaml topic under this run's prefix."""
        admin = KafkaAdminClient(bootstrap_servers=self.settings.kafka.bootstrap_servers,
                                 **kafka_security(self.settings))
        try:
            apply_topics(admin, Runtime.create(self.settings).catalog, self.settings.kafka.topic_prefix, 1)
        finally:
            admin.close()

    def start_worker(self, name: str) -> WorkerProcess:
        """Start a worker in this run's group with its own web port, data dir and log file."""
        settings = self.settings.with_overrides(web_port=free_port(), data_dir=self.work_dir / f"data-{name}")
        worker = WorkerProcess(settings, self.work_dir / f"{name}-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        """Stop every worker still running."""
        for worker in self.workers:
            worker.stop()

    def __enter__(self) -> ScenarioEnv:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
