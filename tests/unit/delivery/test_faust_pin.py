"""The Faust internals ``workers.transport`` replaces or relies on for its offset bookkeeping: any change in
an upgrade fails here, loudly, before a worker can commit past an unfinished message."""

from __future__ import annotations

import inspect

import faust
import pytest
from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as faust_aiokafka

from workers.transport import FaustApp, _Consumer

BASE = faust_consumer.Consumer


def source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


def test_written_against_faust_streaming_0_15():
    assert faust.__version__.startswith("0.15."), "re-read workers/offsets.py against the new Faust first"


@pytest.mark.parametrize("name", ["ack", "_filter_tps_with_pending_acks", "_new_offset", "_add_gap",
                                  "perform_seek", "on_partitions_revoked"])
def test_every_method_the_transport_replaces_still_exists_on_faust_s_consumer(name):
    assert callable(getattr(BASE, name, None)), name
    assert name in vars(_Consumer), name  # and we still replace it


def test_the_consumer_thread_still_seeks_to_the_beginning_and_to_committed():
    assert callable(getattr(faust_aiokafka.AIOKafkaConsumerThread, "seek_to_beginning", None))
    assert "self._thread.seek_to_committed()" in source(faust_consumer.ThreadDelegateConsumer.seek_to_committed)


def test_the_fetch_loop_still_reads_the_callback_and_read_offsets_we_replace():
    drain = source(BASE._drain_messages)
    assert "callback = self.callback" in drain  # deliveries go through our recording wrapper
    assert "get_read_offset = self._read_offset.__getitem__" in drain  # read as None: nothing dropped
    assert "await self._add_gap(" in drain


def test_commits_are_still_computed_from_new_offset_over_the_pending_partitions():
    assert "self._new_offset(tp)" in source(BASE._filter_committable_offsets)
    assert "self._filter_tps_with_pending_acks(topics)" in source(BASE.force_commit)
    assert "self._filter_committable_offsets(tps)" in source(BASE._commit_tps)


def test_the_rebalance_still_seeks_through_perform_seek_before_streams_resume():
    from faust.tables import recovery

    for method in (recovery.Recovery._resume_streams, recovery.Recovery.on_recovery_completed):
        text = source(method)
        assert text.index("consumer.perform_seek()") < text.index("consumer.resume_flow()")


def test_revocation_still_ends_in_the_app_handler_that_runs_the_final_commit():
    assert "self._on_partitions_revoked" in source(BASE.on_partitions_revoked)
    assert "_consumer_wait_empty" in source(faust.App._on_partitions_revoked)


def test_messages_still_carry_the_generation_they_were_fetched_in():
    assert "generation_id=self.app.consumer_generation_id" in source(faust_aiokafka.Consumer._to_message)


def test_the_worker_app_uses_the_ledger_consumer():
    app = FaustApp("pin", broker="kafka://127.0.0.1:1", store="memory://", autodiscover=False)
    try:
        assert isinstance(app.consumer, _Consumer)
        assert app.consumer._read_offset["anything"] is None
    finally:
        app.consumer._thread.thread_loop.close()  # the consumer thread's loop (never started)


def test_resuming_the_flow_still_clears_stream_queues_right_before_the_consumer_resumes():
    """``_Consumer.resume_flow`` re-reads from the commit points because of this clear."""
    from faust.tables import recovery
    from mode.utils.queues import FlowControlEvent

    assert "self.clear()" in source(FlowControlEvent.resume)
    text = source(recovery.Recovery.on_recovery_completed)
    assert text.index("consumer.resume_partitions(") < text.index("consumer.perform_seek()")
    assert text.index("self.app.flow_control.resume()") < text.index("consumer.resume_flow()")
