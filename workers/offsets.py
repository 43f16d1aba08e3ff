"""Which offsets a worker may commit: only up to the first message a stage has not finished.

A stage has *finished* a message when the broker acknowledged its outputs or its dead letter
(``workers.stage``). Faust (faust-streaming 0.15.x) keeps this bookkeeping itself and can commit past a
message no stage finished:

- ``Consumer._new_offset`` lets the first acked offset be one past the committed offset, so a single
  in-flight message at the head is committed over, and it checks nothing while no offset is committed
  for the partition (the first commit, and the final commit of a revocation, which runs after Faust
  popped the partition's committed offset);
- the pure-Python stream (``NO_CYTHON`` or no compiled extension) acks a message it skips for a stale
  consumer generation or while flow is paused for a rebalance, so its offset counts as done;
- after an assignment it seeks only partitions whose committed offset is above 0, so a partition with
  nothing committed yet goes on from wherever the fetcher had got to, past the prefetched messages the
  rebalance threw away;
- it drops a fetched message below the last offset it handed out and counts a forward jump as acked
  (``_drain_messages``), which after a seek back to the committed offset skips real records.

``OffsetLedger`` is the only bookkeeping commits are computed from, for every topic a stage consumes:
the consumer reports each message it delivers (with the consumer generation it was fetched in), the
stage agent reports each message it finished, and a partition's commit point is its lowest delivered,
unfinished offset, or one past the last delivered when all are finished. Deliveries must be contiguous:
a message past the next expected offset (measured: after a rebalance, records fetched before the seek
to the committed offset reach the streams after it, so offset 11 arrived while 4..10 had not) is not
counted and the consumer re-reads from the expected offset; only when ``REREADS`` re-reads in a row
show the same gap are the missing offsets taken as absent (retention, compaction, transaction markers).
Every assignment resets a partition to its committed offset and the new generation, so a mark from an
older generation counts for nothing (that message is read again: a duplicate with the same ids, never a
loss). Only counted messages reach the streams (``counted``); the others come again. ``workers.transport``
wires it into Faust. Pure and synchronous: the consumer calls it from the event loop.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

REREADS = 3  # re-reads of a gap before its offsets count as absent from the log
REREAD_AFTER_S = 1.0  # deliveries past a gap this soon after its re-read are the old fetch's tail


@dataclass
class _Partition:
    generation: int | None
    base: int | None  # committed offset at the last reset; None: nothing committed (start of the log)
    frontier: int | None  # one past the highest offset delivered since the reset
    pending: dict[int, float] = field(default_factory=dict)  # delivered, not finished -> first delivered at
    rereads: int = 0  # re-reads of the gap at ``frontier``
    reread_at: float | None = None  # when the last re-read was asked for


@dataclass
class LedgerCounts:
    """What the ledger refused or noticed since the worker started (for metrics and logs).

    Attributes:
        stale_marks: finished-marks that counted for nothing (older generation, unknown or not delivered).
        stale_deliveries: deliveries ignored (older generation, partition not reset yet, below the base).
        rereads: gaps the consumer was asked to re-read.
        jumps: gaps accepted as absent offsets after ``REREADS`` re-reads.
    """

    stale_marks: int = 0
    stale_deliveries: int = 0
    rereads: int = 0
    jumps: int = 0


class OffsetLedger:
    """Per partition: the committed base, what was delivered and what is still unfinished."""

    def __init__(self) -> None:
        self._partitions: dict[Hashable, _Partition] = {}
        self.counts = LedgerCounts()

    def reset(self, tp: Hashable, generation: int | None, committed: int | None) -> None:
        """The consumer sought ``tp`` to ``committed`` (None: the beginning) in ``generation``."""
        self._partitions[tp] = _Partition(generation, committed, committed)

    def forget(self, tps: Iterable[Hashable]) -> None:
        """``tps`` were revoked: nothing more is committed for them until they are reset."""
        for tp in tps:
            self._partitions.pop(tp, None)

    def delivered(self, tp: Hashable, offset: int, generation: int | None, now: float = 0.0) -> int | None:
        """The consumer handed ``offset`` to the streams. Returns an offset to re-read ``tp`` from when
        the delivery skipped past the next expected one (then it is not counted), else None."""
        part = self._partitions.get(tp)
        if part is None or generation != part.generation or (part.base is not None and offset < part.base):
            self.counts.stale_deliveries += 1
            return None
        if part.frontier is not None and offset > part.frontier:
            return self._gap(part, offset, now)
        part.pending.setdefault(offset, now)  # a re-read keeps the first delivery's time
        if part.frontier is None or offset >= part.frontier:
            part.frontier, part.rereads, part.reread_at = offset + 1, 0, None
        return None

    def _gap(self, part: _Partition, offset: int, now: float) -> int | None:
        assert part.frontier is not None
        if part.reread_at is not None and now - part.reread_at < REREAD_AFTER_S:
            return None  # the tail of the fetch from before the re-read: it will come again
        if part.rereads < REREADS:
            part.rereads, part.reread_at = part.rereads + 1, now
            self.counts.rereads += 1
            return part.frontier
        self.counts.jumps += 1  # re-read REREADS times, still missing: not in the log
        part.pending.setdefault(offset, now)
        part.frontier, part.rereads, part.reread_at = offset + 1, 0, None
        return None

    def finished(self, tp: Hashable, offset: int, generation: int | None) -> bool:
        """A stage finished ``offset``; False when the mark counts for nothing (it will be read again)."""
        part = self._partitions.get(tp)
        if part is None or generation != part.generation or offset not in part.pending:
            self.counts.stale_marks += 1
            return False
        del part.pending[offset]
        return True

    def counted(self, tp: Hashable, offset: int, generation: int | None) -> bool:
        """Whether ``offset`` of ``generation`` is delivered and awaiting its finish (what ``delivered`` counted).
        The consumer hands only such messages to the streams: any other will be read again (a re-read, the
        seek of the next assignment), so a stage that processed it now would process it twice."""
        part = self._partitions.get(tp)
        return part is not None and generation == part.generation and offset in part.pending

    def commit_point(self, tp: Hashable) -> int | None:
        """The offset to commit for ``tp``: every offset below it was finished. None: nothing to commit."""
        part = self._partitions.get(tp)
        if part is None:
            return None
        return min(part.pending) if part.pending else part.frontier

    def partitions(self) -> list[Hashable]:
        """Partitions with a ledger (assigned and reset since)."""
        return list(self._partitions)

    def unfinished(self, tp: Hashable) -> int:
        """How many delivered messages of ``tp`` no stage has finished yet."""
        part = self._partitions.get(tp)
        return len(part.pending) if part is not None else 0

    def oldest_unfinished_age(self, tp: Hashable, now: float) -> float:
        """Seconds since the oldest delivered, unfinished message of ``tp`` was first delivered (0: none).

        A message the worker took and never answered (the loss this ledger guards against) keeps this
        growing until the partition is reset, so the metric built on it turns a silent loss into an alert."""
        part = self._partitions.get(tp)
        if part is None or not part.pending:
            return 0.0
        return max(0.0, now - min(part.pending.values()))


def oldest_unfinished_by_topic(ledger: OffsetLedger, now: float) -> dict[str, float]:
    """Per topic, the age of its oldest delivered, unfinished message over the ledger's partitions."""
    ages: dict[str, float] = {}
    for tp in ledger.partitions():
        topic = str(tp.topic)  # type: ignore[attr-defined]  # the consumer keys the ledger by TP
        ages[topic] = max(ages.get(topic, 0.0), ledger.oldest_unfinished_age(tp, now))
    return ages
