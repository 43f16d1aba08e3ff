"""The reliability scenarios' completion probe against the real broker (Tansu)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bench.harness import produce
from reliability.delivery import end_offsets, wait_for_count
from tests.integration.helpers import create_topics
from workers.settings import Settings


def test_a_batched_produce_is_counted_whole(settings_factory: Callable[..., Settings]) -> None:
    # Tansu's ListOffsets(latest) reported 8 of these 3,000 records (one per partition); the scenarios
    # then waited out their timeout before a fault, or before reading the outputs.
    settings = settings_factory()
    create_topics(settings)
    records = [(f"v{i}".encode(), b"x" * 100) for i in range(3000)]
    asyncio.run(produce(settings.kafka.bootstrap_servers, settings.topic("content.enriched"), records))

    assert end_offsets(settings, "content.enriched") == 3000
    assert wait_for_count(settings, "content.enriched", 3000, timeout_s=5.0) == 3000


def test_an_empty_topic_holds_nothing(settings_factory: Callable[..., Settings]) -> None:
    settings = settings_factory()
    create_topics(settings)

    assert end_offsets(settings, "content.enriched") == 0
