"""Example downstream consumer (ranking / PSA service): read enrichments, boosts and PSAs with the
published schemas and de-duplicate on ``event_id`` (the pipeline is at-least-once; ids are deterministic).

    python -m workers.downstream            # prints one line per distinct event, Ctrl-C stops
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer

from workers.contracts import AvroSerde, load_schema_set, load_topic_catalog
from workers.settings import Settings

TOPICS = ("content.enriched", "ranking.boost", "psa.attach")


@dataclass(frozen=True)
class RankingSignal:
    """What ranking needs from one event."""

    kind: str  # enrichment | boost | psa
    video_id: str
    event_id: str
    detail: str


def to_signal(topic: str, record: dict[str, Any]) -> RankingSignal:
    """Reduce a decoded record to the ranking signal it carries."""
    if topic == "ranking.boost":
        return RankingSignal("boost", record["video_id"], record["event_id"], f"x{record['factor']}")
    if topic == "psa.attach":
        resource = record["resource"]
        return RankingSignal("psa", record["video_id"], record["event_id"],
                             f"{record['topic']}:{record['country']}:{resource['organization']}")
    topics = ",".join(t["topic"] for t in record["topics"])
    return RankingSignal("enrichment", record["video_id"], record["event_id"],
                         f"{record['language']['language']}:{topics}")


def distinct(signals: Iterable[RankingSignal]) -> Iterator[RankingSignal]:
    """Drop redelivered duplicates: the same event_id is the same answer."""
    seen: set[str] = set()
    for signal in signals:
        if signal.event_id not in seen:
            seen.add(signal.event_id)
            yield signal


def consume(settings: Settings, group_id: str = "downstream-ranking-example",
            idle_timeout_s: float | None = None) -> Iterator[RankingSignal]:
    """Decode the three output topics with the published schemas."""
    serde = AvroSerde(load_schema_set(settings.kafka.contracts_dir / "schemas"))
    catalog = load_topic_catalog(settings.kafka.contracts_dir / "topics.yaml")
    names = {settings.topic(name): name for name in TOPICS}
    # A short rebalance timeout (max poll interval) lets the group form quickly: the embedded broker
    # completes a join only after part of it has passed. Our handling per record is tiny.
    consumer = KafkaConsumer(*names, bootstrap_servers=settings.kafka.bootstrap_servers, group_id=group_id,
                             auto_offset_reset="earliest", session_timeout_ms=10_000,
                             heartbeat_interval_ms=2_000, max_poll_interval_ms=10_000,
                             consumer_timeout_ms=int(idle_timeout_s * 1000) if idle_timeout_s else float("inf"))
    try:
        for message in consumer:
            name = names[message.topic]
            yield to_signal(name, serde.decode(catalog[name].value_schema, message.value))
    finally:
        consumer.close()


if __name__ == "__main__":
    for signal in distinct(consume(Settings.from_env())):
        print(f"{signal.kind:10} {signal.video_id:20} {signal.detail}")
