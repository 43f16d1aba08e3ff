"""Faust's aiokafka transport with our offset bookkeeping and a configurable fetch wait.

Offsets (``workers.offsets``): for every topic a stage consumes, the consumer commits only up to the
first message no stage finished, never counts a skipped or stale-generation message as done, and after
every assignment seeks each partition to its committed offset (or to the beginning when nothing is
committed). The overrides below replace Faust's own ack/commit bookkeeping for those topics; they are
written against faust-streaming 0.15.x, and ``tests/unit/delivery/test_faust_pin.py`` fails when the
internals they replace change.

Fetch wait: Faust hard-codes ``fetch_max_wait_ms=1500``. Apache Kafka answers a fetch as soon as data
arrives, so that only bounds idle polling there; the embedded Tansu broker holds every fetch for the full
wait, which added ~0.5-1.5 s per hop (measured: median hop latency 434 ms at 1500 ms, 20 ms at 50 ms). We
set the wait from ``FETCH_MAX_WAIT_MS`` instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import faust
from aiokafka import TopicPartition
from faust.transport.consumer import ensure_TP
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message
from faust.types.tuples import ack_lock
from mode.utils.futures import notify

from workers.offsets import OffsetLedger

log = logging.getLogger("workers.transport")


class _UnconsultedReadOffsets(dict[Any, Any]):
    """Faust's per-partition read position, written as before but always read as None.

    ``Consumer._drain_messages`` drops a fetched message below the last offset it handed out and records
    a forward jump as an acked gap. After a seek back to the committed offset (every rebalance) that drops
    real records and lets a commit pass them. Read as None, every fetched message is delivered and the
    ledger alone decides what may be committed (a re-read message is a duplicate with the same ids).
    """

    def __getitem__(self, key: Any) -> None:
        return None


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this attribute when it builds its fetcher in start(), after construction.
        consumer._fetch_max_wait_ms = getattr(self.app, "fetch_max_wait_ms", 1500)
        return consumer

    async def _commit(self, offsets: Mapping[TP, int]) -> bool:
        # Faust drops offsets of partitions no longer assigned and returns False when the group already
        # rebalanced, silently: either way the next owner re-reads from the older committed offset.
        unassigned = [tp for tp in offsets if tp not in self.assignment()]
        done = bool(await super()._commit(offsets))
        if not done:
            log.info("commit of %d partitions refused: the group already rebalanced", len(offsets))
        elif unassigned:
            log.info("commit: %d of %d partitions no longer assigned, not committed", len(unassigned), len(offsets))
        return done


class _Consumer(faust_aiokafka.Consumer):
    """Commits from the ``OffsetLedger`` for the topics stages consume (acks enabled)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ledger = OffsetLedger()
        self._read_offset = _UnconsultedReadOffsets()
        self.callback = self._recording(self.callback)

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _tracked(self, topic: str) -> bool:
        return bool(self.app.topics.acks_enabled_for(topic))

    def _recording(self, deliver: Callable[[Message], Awaitable[Any]]) -> Callable[[Message], Awaitable[Any]]:
        """Wrap Faust's delivery callback: every message handed to the streams is recorded first."""
        ledger = self.ledger

        async def on_message(message: Message) -> Any:
            if self._tracked(message.topic):
                reread = ledger.delivered(message.tp, message.offset, message.generation_id, time.monotonic())
                if reread is not None:
                    log.warning("%s: offset %d arrived before %d; re-reading from %d", message.tp,
                                message.offset, reread, reread)
                    # On the consumer thread, like Faust's own seeks (aiokafka is not thread-safe).
                    await self.seek_wait({message.tp: reread})
                if not ledger.counted(message.tp, message.offset, message.generation_id):
                    # Past a gap, older generation, already committed, or before the assignment's seek: it is
                    # read again, so processing it now only makes a duplicate (measured: most of the replays
                    # of a rolling restart).
                    return None
            return await deliver(message)

        return on_message

    def finished(self, message: Message) -> bool:
        """A stage finished ``message`` (its outputs or dead letter acknowledged by the broker)."""
        return self.ledger.finished(message.tp, message.offset, message.generation_id)

    # -- Faust's bookkeeping, replaced ---------------------------------------------------------------
    def ack(self, message: Message) -> bool:
        """Faust's in-flight accounting only (shutdown and revocation wait for it); an ack never makes an
        offset committable: skipped and stale-generation messages are acked by Faust's streams too."""
        with ack_lock:
            if message.acked:
                return False
            message.acked = True
            self._unacked_messages.discard(message)
            self._n_acked += 1
            notify(self._waiting_for_ack)
            return True

    def _filter_tps_with_pending_acks(self, topics: Any = None) -> Iterator[TP]:
        tps: list[TP] = self.ledger.partitions()  # type: ignore[assignment]  # the consumer keys it by TP
        return (tp for tp in tps if topics is None or tp in topics or tp.topic in topics)

    def _new_offset(self, tp: TP) -> int | None:
        # The compiled stream inlines Faust's ack and still appends to these; they are never read.
        self._acked.pop(tp, None)
        self._acked_index.pop(tp, None)
        return self.ledger.commit_point(tp)

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """Never: a gap Faust thinks it saw is not proof that those records are absent."""

    async def perform_seek(self) -> None:
        """Seek every assigned partition to its committed offset, or to the beginning of the log when
        nothing is committed (Faust leaves those where the fetcher was), then reset its ledger."""
        committed: Mapping[Any, int | None] = await self.seek_to_committed()
        fresh = [tp for tp, offset in committed.items() if not offset and self._tracked(tp.topic)]
        starts: Mapping[Any, int] = {}
        if fresh:
            await self._thread.seek_to_beginning(*fresh)
            starts = await self._log_starts(fresh)
        self._committed_offset.update({ensure_TP(tp): offset or None for tp, offset in committed.items()})
        generation = self.app.consumer_generation_id
        for tp, offset in committed.items():
            if self._tracked(tp.topic):
                # with nothing committed the ledger expects the log's first offset, so a first delivery
                # past it (records dropped before a stream took them) is a gap to re-read, not the start
                self.ledger.reset(ensure_TP(tp), generation, offset or starts.get(ensure_TP(tp)))
        log.debug("sought %d partitions (%d from the beginning), generation %s", len(committed), len(fresh),
                  generation)

    async def _log_starts(self, partitions: list[Any]) -> dict[TP, int]:
        """Each partition's first offset in the log; {} when the broker cannot say (the ledger then takes
        the first delivered offset as the start, as before)."""
        try:
            starts = await self._thread.earliest_offsets(*partitions)
        except Exception as exc:  # noqa: BLE001 - a failed lookup only weakens the gap check, so log it
            log.warning("could not read the log start of %s: %s", partitions, exc)
            return {}
        return {ensure_TP(tp): offset for tp, offset in starts.items() if offset is not None and offset >= 0}

    def resume_flow(self) -> None:
        """Faust resumes the flow right after ``FlowControlEvent.resume()``, which clears every stream's
        queue. At the end of a rebalance (``Recovery.on_recovery_completed``) the stream partitions are
        resumed while the flow is already on, records are fetched and queued during ``perform_seek``
        (before the ledger is reset, so not counted), then that resume drops the ones no stage took yet.
        The fetch position is past them, and the ledger only notices a missing offset when a later one
        arrives: measured in a scale-in run, the record at the committed offset was dropped, the rest of
        the partition was processed uncounted, nothing more arrived, and that upload was never answered.
        So every tracked partition is read again from its commit point (duplicates with the same ids)."""
        super().resume_flow()
        points = {tp: self.ledger.commit_point(tp) for tp in self.ledger.partitions()}
        if points:
            self.add_future(self._reread_from(points))

    async def _reread_from(self, points: Mapping[Any, int | None]) -> None:
        known = {tp: point for tp, point in points.items() if point is not None}
        # nothing delivered since the reset; aiokafka's seek_to_beginning takes only its own TopicPartition
        fresh = [TopicPartition(tp.topic, tp.partition) for tp, point in points.items() if point is None]
        try:
            if known:
                await self.seek_wait(known)  # on the consumer thread, like Faust's own seeks
            if fresh:
                await self._thread.seek_to_beginning(*fresh)
        except Exception as exc:  # revoked meanwhile: the next assignment seeks to the committed offsets
            log.warning("re-read after the flow resumed failed (%s); the next assignment seeks again", exc)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        # Faust's revocation ends with a final commit (``wait_empty``): the ledger still counts then.
        await super().on_partitions_revoked(revoked)
        left = {tp: n for tp in revoked if (n := self.ledger.unfinished(tp))}
        if left:  # the next owner reads these again from the committed offset (duplicates, same ids)
            log.info("revoked with unfinished messages (the next owner re-reads them): %s", left)
        self.ledger.forget(revoked)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class FaustApp(faust.App):
    """faust.App whose consumer commits from the offset ledger and uses ``fetch_max_wait_ms``."""

    fetch_max_wait_ms: int = 1500

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)

    def mark_finished(self, message: Message) -> bool:
        """A stage finished ``message``: its offset may now be committed (see ``workers.offsets``)."""
        return bool(self.consumer.finished(message))  # type: ignore[attr-defined]
