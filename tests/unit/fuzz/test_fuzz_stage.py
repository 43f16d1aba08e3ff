"""The stage runner under random input: every input ends as exactly one output or one dead letter."""

from __future__ import annotations

import asyncio
import random
import struct

import pytest
from fastavro.utils import generate_one
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.fuzz.conftest import Recorder
from tests.unit.fuzz.fuzzing import fuzz_settings
from workers.agents import build_stage
from workers.runtime import Runtime
from workers.stage import SourceMessage, StageSpec, fuse, process_message
from workers.stages import BY_ID, StageTables

pytestmark = pytest.mark.fuzz
# stage -> the topic its one answer goes to (None: the registry stage answers by updating its table)
PRIMARY = {
    "language": "uploads.language",
    "tag": "uploads.tagged",
    "route": "content.enriched",
    "registry": None,
    "light": "content.enriched",  # the fused language -> tag -> route hop
}


def _spec(runtime: Runtime, stage: str) -> StageSpec:
    if stage == "light":
        return fuse("light", [_spec(runtime, s) for s in ("language", "tag", "route")], runtime)
    return build_stage(BY_ID[stage], runtime, StageTables(registry={}))


def _inputs(runtime: Runtime, spec: StageSpec) -> st.SearchStrategy[bytes | None]:
    schema_name = runtime.catalog[spec.source].value_schema
    frame = struct.pack(">bI", 0, runtime.schemas.ids[schema_name])
    valid = st.integers(0, 2**32 - 1).map(lambda seed: _random_record(runtime, schema_name, seed))
    return st.one_of(
        st.binary(max_size=256),
        st.binary(max_size=256).map(lambda body: frame + body),
        valid,
        valid.map(lambda data: data[:-1]),
        st.none(),
    )


def _random_record(runtime: Runtime, schema_name: str, seed: int) -> bytes:
    random.seed(seed)  # fastavro's generator draws from the random module
    return runtime.serde.encode(schema_name, generate_one(runtime.schemas.schema(schema_name)))


def _run(runtime: Runtime, spec: StageSpec, value: bytes | None) -> list[tuple[str, bytes]]:
    recorder = Recorder()
    runtime = runtime.with_send(recorder)
    source = SourceMessage(runtime.settings.topic(spec.source), 3, 42, b"video-1", value)
    asyncio.run(process_message(spec, runtime, source))
    return [(topic, value) for topic, _, value in recorder.sent]


@fuzz_settings(deadline_ms=15_000)
@given(data=st.data(), stage=st.sampled_from(sorted(PRIMARY)))
def test_every_input_is_one_answer_or_one_dead_letter(fuzz_runtime, data, stage):
    spec = _spec(fuzz_runtime, stage)
    sent = _run(fuzz_runtime, spec, data.draw(_inputs(fuzz_runtime, spec)))
    topics = [topic for topic, _ in sent]
    dead = [value for topic, value in sent if topic == fuzz_runtime.settings.topic("pipeline.dlq")]
    if dead:
        assert topics == [fuzz_runtime.settings.topic("pipeline.dlq")]
        record = fuzz_runtime.serde.decode("DeadLetter", dead[0])
        assert record["stage"] == stage and record["reason"]
    elif PRIMARY[stage] is None:
        assert topics == []
    else:
        assert topics.count(fuzz_runtime.settings.topic(PRIMARY[stage])) == 1
