"""The Faust app: which agents a worker runs, its tables, its web endpoints and its timers.

``build_app(settings)`` wires the chosen stages (setting ``STAGES``) so transcribers scale apart from the
light stages. Agents are thin: they hand each event, or each batch of events, to ``workers.stage.process_batch``.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import faust
from faust.exceptions import ConsumerNotStarted
from faust.types import TP, EventT

from workers.errors import InfrastructureError
from workers.lag import partition_lags, publish_lags
from workers.offsets import oldest_unfinished_by_topic
from workers.runtime import Runtime, version
from workers.settings import Settings
from workers.stage import SourceMessage, StageSpec, process_batch
from workers.transport import FaustApp

log = logging.getLogger("workers.app")
EXIT_INFRASTRUCTURE = 70  # EX_SOFTWARE: the supervisor (Kubernetes, compose) restarts the worker


def _credentials(settings: Settings) -> Any:
    """SASL / TLS client credentials from the settings (None = plaintext)."""
    protocol = settings.kafka.security_protocol.upper()
    context = ssl.create_default_context(cafile=settings.kafka.ssl_cafile or None) if "SSL" in protocol else None
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.kafka.sasl_username, password=settings.kafka.sasl_password,
            mechanism=settings.kafka.sasl_mechanism or "PLAIN", ssl_context=context,
        )
    return faust.SSLCredentials(context) if context else None


def faust_settings(settings: Settings) -> dict[str, Any]:
    """Faust configuration derived from our settings (failover and commit tuning documented in README)."""
    return {
        "broker": f"kafka://{settings.kafka.bootstrap_servers}",
        "broker_credentials": _credentials(settings),
        "store": "memory://",
        "datadir": str(settings.worker.data_dir),
        "processing_guarantee": settings.delivery.processing_guarantee,
        "broker_session_timeout": settings.delivery.session_timeout_s,
        "broker_heartbeat_interval": settings.delivery.heartbeat_interval_s,
        "broker_commit_interval": settings.delivery.commit_interval_s,
        "broker_max_poll_interval": settings.delivery.max_poll_interval_s,
        "broker_request_timeout": settings.delivery.broker_request_timeout_s,
        "consumer_auto_offset_reset": "earliest",
        "topic_replication_factor": max(1, settings.kafka.replication_factor),
        "topic_disable_leader": True,
        "web_enabled": True,
        "web_port": settings.worker.web_port,
        "web_bind": settings.worker.web_host,
        "web_in_thread": False,
        "table_standby_replicas": 0,
        "producer_acks": -1,
    }


async def _singles(stream: faust.StreamT) -> AsyncIterator[list[EventT]]:
    async for event in stream.events():
        yield [event]


def _source(event: EventT) -> SourceMessage:
    message = event.message
    return SourceMessage(message.topic, message.partition, message.offset, event.key, event.value)


def _exit_for_supervisor(stage: str, exc: BaseException) -> None:
    """Die without acking: Faust would ack an event whose agent raised and commit past it. Exiting the
    process leaves the offset uncommitted, so the event is redelivered after the supervisor restarts us."""
    log.critical("infrastructure failure in stage %s, exiting for restart: %s", stage, exc, exc_info=exc)
    logging.shutdown()
    os._exit(EXIT_INFRASTRUCTURE)


class PipelineApp:
    """A Faust app plus the runtime its agents share."""

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        self.settings = settings
        self.app = FaustApp(settings.kafka.app_id, autodiscover=False, **faust_settings(settings))
        self.app.fetch_max_wait_ms = settings.delivery.fetch_max_wait_ms
        self._raw_topics: dict[str, faust.TopicT] = {}
        self._read_offsets: dict[TP, int] = {}
        self._unfinished_topics: set[str] = set()
        self.runtime = (runtime or Runtime.create(settings)).with_send(self._send)
        self._ready = False
        self._register_web()
        self.app.timer(settings.worker.lag_refresh_s)(self._report_lag)

    # -- topics ---------------------------------------------------------------------------------------
    def raw_topic(self, name: str) -> faust.TopicT:
        """A bytes-in/bytes-out Faust topic for a topics.yaml name (Avro is decoded by the stage runner,
        so undecodable input reaches the dead-letter path instead of Faust's decoder)."""
        physical = self.settings.topic(name)
        if physical not in self._raw_topics:
            spec = self.runtime.catalog[name]
            self._raw_topics[physical] = self.app.topic(
                physical, key_serializer="raw", value_serializer="raw", partitions=spec.partitions,
                internal=False,
            )
        return self._raw_topics[physical]

    async def _send(self, physical: str, key: bytes | None, value: bytes) -> Any:
        name = physical[len(self.settings.kafka.topic_prefix):]
        return await self.raw_topic(name).send(key=key, value=value)

    # -- agents -----------------------------------------------------------------------------------------
    def add_stage(self, spec: StageSpec, concurrency: int = 1, batch_size: int = 1, batch_wait_s: float = 0.0) -> None:
        """Register a thin agent that hands the events of ``spec.source`` to the stage runner, one by one or,
        with ``batch_size`` > 1, in batches whose outputs are acknowledged together."""
        runtime, read_offsets, app = self.runtime, self._read_offsets, self.app

        async def agent(stream: faust.StreamT) -> None:
            batches = stream.take_events(batch_size, batch_wait_s) if batch_size > 1 else _singles(stream)  # type: ignore[attr-defined]
            async for events in batches:
                try:
                    await process_batch(spec, runtime, [_source(event) for event in events])
                except InfrastructureError as exc:
                    _exit_for_supervisor(spec.stage, exc)
                for event in events:
                    # Outputs (or dead letters) acknowledged: only now may the offset be committed.
                    app.mark_finished(event.message)
                    read_offsets[event.message.tp] = event.message.offset + 1  # next position

        agent.__name__ = agent.__qualname__ = f"{spec.stage}_agent"
        out_topics = list(spec.outputs) if spec.outputs is not None else [
            t.name for t in runtime.catalog.produced_by(spec.stage)]
        runtime.metrics.prime(spec.stage, spec.source, out_topics)
        self.app.agent(self.raw_topic(spec.source), name=f"workers.{spec.stage}", concurrency=concurrency)(agent)

    # -- readiness, metrics, lag --------------------------------------------------------------------
    def mark_ready(self) -> None:
        """Cores are loaded; readiness now depends on having partitions assigned."""
        self._ready = True

    def is_ready(self) -> bool:
        """Ready = cores loaded and partitions assigned (not mid-rebalance)."""
        if not self._ready or self.app.rebalancing:
            return False
        try:
            return bool(self.app.consumer.assignment())
        except ConsumerNotStarted:  # /readyz and /metrics answer before the consumer thread is up
            return False

    def _register_web(self) -> None:
        app, metrics = self.app, self.runtime.metrics

        @app.page("/metrics")
        async def metrics_page(web: Any, request: Any) -> Any:
            metrics.set_ready(self.is_ready())
            return web.bytes(metrics.exposition(), content_type="text/plain; version=0.0.4")

        @app.page("/livez")
        async def livez(web: Any, request: Any) -> Any:
            return web.json({"alive": True, "version": version()})

        @app.page("/readyz")
        async def readyz(web: Any, request: Any) -> Any:
            ready = self.is_ready()
            return web.json({"ready": ready, "stages": list(self.settings.worker.stages)}, status=200 if ready else 503)

    async def _report_lag(self) -> None:
        """Lag from the consumer's fetch high watermark (the embedded broker's ListOffsets under-reports)."""
        consumer, prefix = self.app.consumer, len(self.settings.kafka.topic_prefix)
        assigned = {(tp.topic, tp.partition): tp for tp in consumer.assignment()}
        lags = partition_lags(assigned, lambda t, p: consumer.highwater(assigned[t, p]),
                              lambda t, p: self._read_offsets.get(assigned[t, p]))
        publish_lags(self.runtime.metrics, [replace(lag, topic=lag.topic[prefix:]) for lag in lags])
        ledger = getattr(consumer, "ledger", None)  # our transport's consumer (workers.transport)
        if ledger is not None:
            ages = oldest_unfinished_by_topic(ledger, time.monotonic())
            self._unfinished_topics |= ages.keys()  # a revoked topic reads 0 again, not its last age
            for topic in self._unfinished_topics:
                self.runtime.metrics.set_oldest_unfinished(topic[prefix:], ages.get(topic, 0.0))
