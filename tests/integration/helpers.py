"""Small helpers for integration tests: topics, publishing, collecting outputs."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer

from workers.contracts.admin import ApplyReport, apply_topics
from workers.runtime import Runtime
from workers.settings import Settings
from workers.tail import decoded_records


def create_topics(settings: Settings) -> ApplyReport:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    try:
        return apply_topics(admin, Runtime.create(settings).catalog, settings.kafka.topic_prefix, 1)
    finally:
        admin.close()


def send_raw(settings: Settings, name: str, key: bytes | None, value: bytes | None) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    try:
        producer.send(settings.topic(name), key=key, value=value).get(timeout=30)
    finally:
        producer.close()


def collect(settings: Settings, names: list[str], until: Any, timeout_s: float) -> dict[str, list[dict]]:
    """Read ``names`` from the start until ``until(found)`` is true or ``timeout_s`` passes."""
    found: dict[str, list[dict]] = {name: [] for name in names}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not until(found):
        found = {name: [] for name in names}
        for name, record, _ in decoded_records(settings, names, timeout_s=3.0):
            found[name].append(record)
            if until(found):
                break
        if not until(found):
            time.sleep(1.0)
    return found
