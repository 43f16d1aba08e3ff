"""JSON and text log lines carry the event context and never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from workers.errors import InfrastructureError
from workers.logs import configure_logging, current_context, log_context

SECRET = "s3cr3t-Pa55word"


@pytest.fixture()
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.usefixtures("restore_root_logger")
def test_json_lines_carry_the_event_context() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    log = logging.getLogger("workers.tag")
    with log_context(event_id="ev-1", stage="tag", topic="uploads.language", partition=3, offset=41):
        log.info("tagged %d topics", 2, extra={"topics": ["mental_health"]})
    log.info("outside")
    inside, outside = json_lines(stream)
    assert inside["message"] == "tagged 2 topics"
    assert inside["level"] == "INFO" and inside["logger"] == "workers.tag"
    assert (inside["event_id"], inside["stage"], inside["partition"], inside["offset"]) == (
        "ev-1",
        "tag",
        3,
        41,
    )
    assert inside["topics"] == ["mental_health"]
    assert "event_id" not in outside


def test_nested_contexts_merge_and_unwind() -> None:
    with log_context(stage="route"):
        with log_context(event_id="ev-2"):
            assert current_context() == {"stage": "route", "event_id": "ev-2"}
        assert current_context() == {"stage": "route"}
    assert current_context() == {}


def test_concurrent_tasks_keep_their_own_context() -> None:
    async def worker(event_id: str) -> str:
        with log_context(event_id=event_id):
            await asyncio.sleep(0)
            return str(current_context()["event_id"])

    async def main() -> list[str]:
        return list(await asyncio.gather(worker("a"), worker("b")))

    assert asyncio.run(main()) == ["a", "b"]


@pytest.mark.usefixtures("restore_root_logger")
def test_secrets_are_redacted_in_messages_extras_and_tracebacks() -> None:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", secret_values=[SECRET], stream=stream)
    log = logging.getLogger("workers.app")
    log.info("connecting with sasl_password=%s to broker", "hunter22")
    log.info("settings", extra={"kafka_sasl_password": SECRET, "url": f"https://u:{SECRET}@host"})
    try:
        raise RuntimeError(f"auth failed for {SECRET}")
    except RuntimeError:
        log.exception("broker login failed")
    text = stream.getvalue()
    assert SECRET not in text and "hunter22" not in text
    first, second, third = json_lines(stream)
    assert first["message"] == "connecting with sasl_password=*** to broker"
    assert second["kafka_sasl_password"] == "***" and second["url"] == "https://u:***@host"
    assert "RuntimeError: auth failed for ***" in third["exc_info"]


@pytest.mark.usefixtures("restore_root_logger")
def test_text_format_appends_context_and_redacts() -> None:
    stream = io.StringIO()
    configure_logging("text", "INFO", secret_values=[SECRET], stream=stream)
    with log_context(event_id="ev-3", stage="language"):
        logging.getLogger("workers.language").warning("token: %s", SECRET)
    line = stream.getvalue().strip()
    assert "WARNING" in line and "[event_id=ev-3 stage=language]" in line
    assert SECRET not in line and "token: ***" in line


@pytest.mark.usefixtures("restore_root_logger")
def test_reconfiguring_replaces_our_handler_and_sets_the_level() -> None:
    configure_logging("text", "INFO", stream=io.StringIO())
    stream = io.StringIO()
    configure_logging("json", "warning", stream=stream)
    logging.getLogger("x").info("dropped")
    logging.getLogger("x").error("kept")
    assert [line["message"] for line in json_lines(stream)] == ["kept"]
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_fides_handler", False)]
    assert len(ours) == 1


def test_bad_level_or_format_fails_loudly() -> None:
    with pytest.raises(InfrastructureError, match="LOG_LEVEL"):
        configure_logging("json", "LOUD")
    with pytest.raises(InfrastructureError, match="LOG_FORMAT"):
        configure_logging("xml", "INFO")
