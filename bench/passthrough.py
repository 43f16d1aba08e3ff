"""Reference passthroughs on the same broker: the ceilings the light-stage path is compared against.

``python -m bench.passthrough aiokafka|faust|faust-batched --bootstrap HOST:PORT --group G --topics
T0,T1[,T2…]`` forwards every record's key and value bytes from T0 to T1 (and, for Faust, T1 to T2 … as a
chain of agents in one process, the same shape as language → tag → route). No decoding, no work: what
remains is the client library's and the framework's own cost per event. ``faust-batched`` reads with
``take_events`` in the light stages' batch size and wait, as our workers do.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import Any


async def aiokafka_passthrough(bootstrap: str, group: str, source: str, target: str) -> None:
    """Consume batches and produce every record's bytes; never returns (the harness stops the process)."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=True)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=-1, linger_ms=0)
    await consumer.start()
    await producer.start()
    while True:
        batches = await consumer.getmany(timeout_ms=200, max_records=1000)
        futures = [await producer.send(target, key=m.key, value=m.value)
                   for batch in batches.values() for m in batch]
        if futures:
            await asyncio.gather(*futures)


BATCH = (256, 0.005)  # the light stages' defaults, STAGE_BATCH_SIZE and STAGE_BATCH_WAIT_MS


def faust_passthrough_app(bootstrap: str, group: str, topics: list[str], partitions: int, datadir: str,
                          batched: bool = False) -> Any:
    """A Faust app with one raw-bytes forwarding agent per hop of ``topics``."""
    import faust

    Path(datadir).parent.mkdir(parents=True, exist_ok=True)  # Faust creates only the last level
    app = faust.App(group, broker=f"kafka://{bootstrap}", store="memory://", web_enabled=False,
                    consumer_auto_offset_reset="earliest", topic_disable_leader=True, producer_acks=-1,
                    autodiscover=False, datadir=datadir)
    raw = {name: app.topic(name, key_serializer="raw", value_serializer="raw", partitions=partitions,
                           internal=False) for name in topics}
    for hop, (source, target) in enumerate(zip(topics, topics[1:], strict=False)):
        out = raw[target]

        async def forward(stream: Any, out: Any = out) -> None:
            async for event in stream.events():
                await out.send(key=event.key, value=event.value)

        async def forward_batches(stream: Any, out: Any = out) -> None:
            async for events in stream.take_events(*BATCH):
                for event in events:
                    await out.send(key=event.key, value=event.value)

        app.agent(raw[source], name=f"bench.hop{hop}")(forward_batches if batched else forward)
    return app


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: run one passthrough until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("aiokafka", "faust", "faust-batched"))
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--topics", required=True, help="comma-separated: source, [middle…,] target")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--datadir", required=True, help="Faust's data directory (its parent is created)")
    args = parser.parse_args(argv)
    topics = args.topics.split(",")
    logging.basicConfig(level=logging.WARNING)
    if args.kind == "aiokafka":
        asyncio.run(aiokafka_passthrough(args.bootstrap, args.group, topics[0], topics[-1]))
        return 0
    from faust import Worker

    app = faust_passthrough_app(args.bootstrap, args.group, topics, args.partitions, args.datadir,
                                args.kind == "faust-batched")
    Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False, override_logging=False
           ).execute_from_commandline()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
