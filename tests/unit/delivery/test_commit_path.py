"""The consumer's ack/commit path, driven through Faust's own objects: a commit never passes a message
that no stage finished, whatever Faust skipped, acked or forgot around a rebalance.

Each test fails on faust-streaming 0.15.3's own bookkeeping (``workers.transport`` before the offset
ledger) and passes with it. No broker: the consumer's broker calls (``seek_to_committed``,
``seek_to_beginning``, ``earliest_offsets``) are replaced by recorders; everything else is the worker's real
consumer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import TopicPartition
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from workers.transport import FaustApp

TOPIC = "uploads"
PART = TP(TOPIC, 0)


HARNESSES: list[Harness] = []


class Harness:
    """The worker's Faust app and consumer, one partition of a stage's source topic, no broker."""

    def __init__(self, committed: int | None) -> None:
        self.app = FaustApp("commit-path", broker="kafka://127.0.0.1:1", store="memory://", autodiscover=False)
        self.consumer = self.app.consumer
        self.app.topics._acking_topics.add(TOPIC)  # a stage consumes it (Faust enables acks for it)
        self.app.flow_control.resume()
        self.committed = committed
        self.sought_to_beginning: list[Any] = []
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

        async def seek_to_committed() -> dict[Any, int | None]:
            return {TopicPartition(TOPIC, 0): self.committed}

        async def seek_to_beginning(*partitions: Any) -> None:
            self.sought_to_beginning.extend(partitions)

        self.log_start: int | None = 0

        async def earliest_offsets(*partitions: Any) -> dict[Any, int]:
            return {tp: self.log_start for tp in partitions}

        self.consumer.seek_to_committed = seek_to_committed  # type: ignore[method-assign]
        self.consumer._thread.seek_to_beginning = seek_to_beginning  # type: ignore[method-assign]
        self.consumer._thread.earliest_offsets = earliest_offsets  # type: ignore[method-assign]
        self.sought: list[tuple[Any, int]] = []

        async def seek_wait(partitions: dict[Any, int]) -> None:
            self.sought.extend(partitions.items())

        self.consumer._thread.seek_wait = seek_wait  # type: ignore[method-assign]

        async def to_stream(message: Any) -> None:  # the conductor's per-partition callback
            message.incref()
            await self.queue.put(message)

        self.app.topics._tp_to_callback[PART] = to_stream
        HARNESSES.append(self)

    async def assign(self, generation: int) -> None:
        """A rebalance assigned the partition in ``generation``; the worker seeks before streams resume."""
        self.app.consumer_generation_id = generation
        await self.consumer.perform_seek()

    async def deliver(self, offsets: range) -> list[ConsumerMessage]:
        """What Faust's fetch loop does with fetched records: hand each to the consumer's callback."""
        messages = [ConsumerMessage(TOPIC, 0, o, 0.0, 0, None, b"k", b"v", None, tp=PART,
                                    generation_id=self.app.consumer_generation_id) for o in offsets]
        for message in messages:
            await self.consumer.callback(message)
        return messages

    def finish(self, message: ConsumerMessage) -> None:
        """What the stage agent does once the broker acknowledged a message's outputs: mark it finished
        (the offset ledger) and let Faust ack it, as its stream does after the agent's iteration."""
        mark = getattr(self.app, "mark_finished", None)
        if mark is not None:
            mark(message)
        message.ack(self.consumer)

    def committable(self) -> int | None:
        """The offset Faust's commit timer would commit now for the partition (None: no commit)."""
        tps = list(self.consumer._filter_tps_with_pending_acks())
        return self.consumer._filter_committable_offsets(tps).get(PART)


def committed_past(point: int | None, first_unfinished: int) -> bool:
    return point is not None and point > first_unfinished


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    # Faust's consumer owns a thread with its own event loop from construction; a consumer that never
    # started must close it (a started one closes it on stop).
    while HARNESSES:
        HARNESSES.pop().consumer._thread.thread_loop.close()
    loop.close()
    asyncio.set_event_loop(None)


def test_an_in_flight_message_at_the_head_is_not_committed_over(loop):
    async def scenario() -> int | None:
        h = Harness(committed=100)
        await h.assign(generation=1)
        messages = await h.deliver(range(100, 106))
        for message in messages[1:]:  # 100 is still in flight (concurrency > 1 finishes out of order)
            h.finish(message)
        return h.committable()

    point = loop.run_until_complete(scenario())
    assert not committed_past(point, 100), f"committed {point} while offset 100 was unfinished"


def test_with_nothing_committed_yet_the_first_commit_waits_for_the_head(loop):
    async def scenario() -> int | None:
        h = Harness(committed=None)
        await h.assign(generation=1)
        messages = await h.deliver(range(0, 6))
        for message in messages[1:]:
            h.finish(message)
        return h.committable()

    point = loop.run_until_complete(scenario())
    assert not committed_past(point, 0), f"committed {point} while offset 0 was unfinished"


def test_a_message_the_stream_skips_for_a_stale_generation_is_never_committed(loop):
    """Prefetched in generation 1, reached the stream after the rebalance to generation 2: Faust's stream
    skips it (and, in its pure-Python iterator, acks it). Nothing of it may be committed."""

    async def scenario() -> tuple[int | None, list[Any]]:
        h = Harness(committed=100)
        await h.assign(generation=1)
        messages = await h.deliver(range(100, 110))
        h.app.consumer_generation_id = 2  # the group re-formed; streams not resumed yet
        stream = h.app.stream(h.app.channel())
        for message in messages:  # the conductor's callback took the one reference this channel holds
            await stream.channel.put(h.app.create_event(b"k", b"v", None, message))
        yielded: list[Any] = []

        async def drain() -> None:
            async for value in stream._py_aiter():  # the iterator Faust runs without its C extension
                yielded.append(value)

        task = asyncio.ensure_future(drain())
        await asyncio.sleep(0.2)
        task.cancel()
        return h.committable(), yielded

    point, yielded = loop.run_until_complete(scenario())
    assert yielded == []  # the stream did skip them: no stage saw them
    assert not committed_past(point, 100), f"committed {point}: skipped, unprocessed messages"


def test_a_message_skipped_while_flow_is_paused_for_a_rebalance_is_never_committed(loop):
    async def scenario() -> int | None:
        h = Harness(committed=100)
        await h.assign(generation=1)
        messages = await h.deliver(range(100, 104))
        stream = h.app.stream(h.app.channel())
        for message in messages:  # the conductor's callback took the one reference this channel holds
            await stream.channel.put(h.app.create_event(b"k", b"v", None, message))
        h.app.flow_control.suspend()  # revocation in progress: queued events are skipped

        async def drain() -> None:
            async for _ in stream._py_aiter():
                pass

        task = asyncio.ensure_future(drain())
        await asyncio.sleep(0.2)
        task.cancel()
        return h.committable()

    point = loop.run_until_complete(scenario())
    assert not committed_past(point, 100), f"committed {point}: messages skipped during a rebalance"


def test_the_final_commit_of_a_revocation_does_not_pass_unfinished_messages(loop):
    """Faust pops the partition's committed offset before its revocation handler runs the final commit
    (``wait_empty``); with nothing committed on record it committed the first run of acked offsets."""

    async def scenario() -> int | None:
        h = Harness(committed=100)
        await h.assign(generation=1)
        messages = await h.deliver(range(100, 111))
        seen: list[int | None] = []

        async def revocation(revoked: set[TP]) -> None:
            # The app's handler: flow stops, queued events are cleared (100..104 never reach a stage),
            # ``wait_empty`` waits for the events in flight (105..110) to be acked, then commits.
            for message in messages[5:]:
                h.finish(message)
            seen.append(h.committable())

        h.consumer._on_partitions_revoked = revocation
        await h.consumer.on_partitions_revoked({PART})
        return seen[0]

    point = loop.run_until_complete(scenario())
    assert not committed_past(point, 100), f"committed {point} at revocation while 100..104 were unfinished"


def test_every_assignment_seeks_a_partition_with_nothing_committed_to_the_beginning(loop):
    """aiokafka's seek_to_committed seeks only offsets above 0: such a partition went on from where the
    fetcher had got to before the rebalance, past the prefetched messages the rebalance threw away."""

    async def scenario() -> list[Any]:
        h = Harness(committed=None)
        await h.assign(generation=1)
        return h.sought_to_beginning

    assert [(tp.topic, tp.partition) for tp in loop.run_until_complete(scenario())] == [(TOPIC, 0)]


def test_a_mark_from_before_the_rebalance_counts_for_nothing(loop):
    """A message of generation 1 finishing after the partition was reset for generation 2 is read again
    from the committed offset; its late mark must not move the new generation's commit point."""

    async def scenario() -> tuple[int | None, int | None]:
        h = Harness(committed=100)
        await h.assign(generation=1)
        old = await h.deliver(range(100, 103))
        await h.assign(generation=2)
        new = await h.deliver(range(100, 103))
        for message in old:
            h.finish(message)
        before = h.committable()
        for message in new:
            h.finish(message)
        return before, h.committable()

    before, after = loop.run_until_complete(scenario())
    assert not committed_past(before, 100)
    assert after == 103


def test_a_delivery_that_skips_ahead_is_read_again_from_the_first_missing_offset(loop):
    """After a rebalance, records fetched before the seek to the committed offset can reach the streams
    after it (measured: offset 11 delivered while 4..10 had not been): the gap is re-read, not committed."""

    async def scenario() -> tuple[int | None, list[Any]]:
        h = Harness(committed=100)
        await h.assign(generation=1)
        messages = await h.deliver(range(100, 102))
        messages += await h.deliver(range(105, 107))
        for message in messages:
            h.finish(message)
        return h.committable(), h.sought

    point, sought = loop.run_until_complete(scenario())
    assert sought == [(PART, 102)]
    assert not committed_past(point, 102), f"committed {point} over 102..104, never delivered"


def test_messages_a_resumed_flow_clears_from_stream_queues_are_read_again(loop):
    """End of a rebalance (``Recovery.on_recovery_completed``): the stream partitions are resumed while the
    flow is on, records are fetched and queued during ``perform_seek`` (the ledger not reset yet), then
    ``flow_control.resume()`` clears every stream queue. Measured in a scale-in run: the record at the
    committed offset was dropped there and never read again. The consumer must re-read from the commit
    point once the flow resumes."""

    async def scenario() -> tuple[list[Any], int | None]:
        h = Harness(committed=58)
        h.app.consumer_generation_id = 1  # the group re-formed; the ledger forgot the partition
        await h.deliver(range(58, 60))  # fetched while perform_seek still awaits the broker
        await h.assign(generation=1)  # perform_seek: seek to 58, ledger reset
        h.app.flow_control.resume()  # Faust clears every stream queue here ...
        while not h.queue.empty():  # ... (the harness's queue is a plain one: drop them the same way)
            h.queue.get_nowait()
        h.consumer.resume_flow()
        for _ in range(5):
            await asyncio.sleep(0)
        for message in await h.deliver(range(58, 60)):  # read again
            h.finish(message)
        return h.sought, h.committable()

    sought, point = loop.run_until_complete(scenario())
    assert (PART, 58) in sought, f"nothing re-reads the dropped offset 58 (seeks: {sought})"
    assert point == 60


def test_the_re_read_after_resume_hands_aiokafka_its_own_partition_type(loop):
    """A partition with nothing delivered since its reset, whose log start the broker could not say, is
    re-read from the beginning: aiokafka's ``seek_to_beginning`` refuses anything but its
    ``TopicPartition`` (the ledger keys by Faust's TP)."""

    async def scenario() -> list[Any]:
        h = Harness(committed=None)
        h.log_start = None  # earliest_offsets answered nothing usable: the ledger has no base
        await h.assign(generation=1)
        h.sought_to_beginning.clear()
        h.consumer.resume_flow()
        for _ in range(5):
            await asyncio.sleep(0)
        return h.sought_to_beginning

    sought = loop.run_until_complete(scenario())
    assert sought and all(type(tp) is TopicPartition for tp in sought), sought


def test_with_nothing_committed_a_first_delivery_past_the_log_start_is_read_again(loop):
    """A partition with nothing committed starts at the log's first offset: when the first record a stream
    gets is a later one (the earlier ones dropped before a stream took them), that is a gap to re-read,
    not the start of the log to commit from."""

    async def scenario() -> tuple[int | None, list[Any]]:
        h = Harness(committed=None)
        await h.assign(generation=1)
        for message in await h.deliver(range(10, 12)):  # 0..9 never reached a stream
            h.finish(message)
        return h.committable(), h.sought

    point, sought = loop.run_until_complete(scenario())
    assert sought == [(PART, 0)]
    assert not committed_past(point, 0), f"committed {point} over 0..9, never delivered"



def test_only_counted_messages_reach_the_streams(loop):
    """A record the ledger does not count comes again (the re-read, the assignment's seek), so a stage that
    processed it now would process it twice: before the seek, below the committed offset, past a gap."""

    async def scenario() -> list[int]:
        h = Harness(committed=100)
        h.app.consumer_generation_id = 1
        await h.deliver(range(98, 100))  # assigned, not sought yet: the fetcher's old position
        await h.assign(generation=1)
        await h.deliver(range(99, 101))  # 99 is below the committed offset, 100 counts
        await h.deliver(range(103, 105))  # past a gap (101, 102): re-read, not processed now
        await h.deliver(range(101, 104))  # the re-read
        return [h.queue.get_nowait().offset for _ in range(h.queue.qsize())]

    assert loop.run_until_complete(scenario()) == [100, 101, 102, 103]
