"""One settings object: explicit beats environment beats default; secrets masked; README table generated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workers.logs import MASK
from workers.settings import REPO_ROOT, Settings, settings_doc_markdown, settings_table_markdown


def test_explicit_beats_env_beats_default():
    assert Settings.from_env({}).asr.beam_size == 5
    assert Settings.from_env({"ASR_BEAM_SIZE": "5"}).asr.beam_size == 5
    assert Settings.from_env({"ASR_BEAM_SIZE": "5"}, asr_beam_size=2).asr.beam_size == 2


def test_types_are_parsed():
    s = Settings.from_env({"STAGES": "language, tag", "VAD_ENABLED": "false", "MEDIA_ROOT": "/srv/media",
                           "SESSION_TIMEOUT_S": "12.5"})
    assert s.worker.stages == ("language", "tag") and s.asr.vad_enabled is False
    assert s.audio.media_root == Path("/srv/media") and s.delivery.session_timeout_s == 12.5


@pytest.mark.parametrize("env", [{"STAGES": "transcribe,bogus"}, {"ASR_THREADS": "two"}, {"VAD_ENABLED": "maybe"},
                                 {"HEARTBEAT_INTERVAL_S": "20", "SESSION_TIMEOUT_S": "10"},
                                 {"TRANSCRIBE_INFLIGHT": "0"}])
def test_bad_values_fail_loudly_with_the_variable_name(env):
    with pytest.raises(ValueError):
        Settings.from_env(env)


def test_secrets_are_masked():
    masked = Settings.from_env({"KAFKA_SASL_PASSWORD": "hunter2"}).masked()
    assert masked["kafka_sasl_password"] == MASK and "hunter2" not in str(masked)


def test_the_settings_doc_is_current():
    doc = (REPO_ROOT / "docs" / "settings.md").read_text()
    assert doc == settings_doc_markdown(), "run `python -m workers settings --markdown > docs/settings.md`"
    assert settings_table_markdown() in doc


@pytest.mark.parametrize(("env", "value"), [("ASR_BACKEND", "whisper.cpp"), ("LOG_FORMAT", "xml"),
                                             ("KAFKA_SECURITY_PROTOCOL", "TLS"), ("ASR_COMPUTE_TYPE", "int4")])
def test_a_value_outside_a_settings_choices_names_the_variable_and_the_choices(env, value):
    with pytest.raises(ValueError, match=rf"{env}='{re.escape(value)}' is not one of: '") as info:
        Settings.from_env({env: value})
    assert "'" + value + "'" in str(info.value)


def test_values_are_parsed_by_the_declared_type_not_the_default():
    settings = Settings.from_env({"WHISPER_MODEL_DIR": "~/models", "MEDIA_ROOT": "/srv/media", "STAGES": "tag,route"})
    assert settings.asr.whisper_model_dir == Path("~/models").expanduser()
    assert settings.audio.media_root == Path("/srv/media")
    assert settings.worker.stages == ("tag", "route")
