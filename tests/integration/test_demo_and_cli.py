"""The paths a new user takes: `make demo`'s command, and the offline commands on a clip, a line, a JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources

import pytest

from workers.broker import free_port
from workers.settings import REPO_ROOT


def run_cli(*args: str, stdin: str | None = None, timeout: float = 300, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "workers", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO_ROOT, env={**os.environ, **(env or {})})


def test_demo_enriches_every_sample_and_stops_cleanly(tmp_path):
    env = {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}", "WEB_PORT": str(free_port()),
           "DATA_DIR": str(tmp_path)}
    result = run_cli("demo", "--timeout", "240", env=env, timeout=300)
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert "11/11 uploads enriched" in out
    assert out.count("ENRICHED") == 11
    assert "BOOST    v-en-vaccines" in out and "PSA      v-en-recovery" in out
    assert "REVIEW   v-en-miracle-tea" in out
    assert "BOOST    v-en-miracle-tea" not in out and "BOOST    v-en-recovery" not in out


@pytest.mark.slow
def test_offline_transcribe_prints_text_and_language():
    clip = str(resources.files("workers.samples").joinpath("audio", "en_vaccines.flac"))
    result = run_cli("transcribe", clip)
    assert result.returncode == 0, result.stderr[-2000:]
    (line,) = result.stdout.strip().splitlines()
    row = json.loads(line)
    assert row["path"] == clip and row["language"] == "en" and row["language_probability"] > 0.5
    assert "vaccine" in row["text"].lower()


def test_offline_detect_language_one_object_per_line():
    result = run_cli("detect-language", stdin="Lagi overthinking terus, kesehatan mental aku lagi nggak baik\n"
                                               "우울증을 이겨낸 이야기를 나눠요\n")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [r["language"] for r in rows] == ["id", "ko"] and all(r["confidence"] > 0.5 for r in rows)


def test_offline_tag_prints_topics_with_evidence():
    line = json.dumps({"text": "I have been struggling with an eating disorder and skipping meals", "lang": "en"})
    result = run_cli("tag", stdin=line + "\nnot json\n")
    assert result.returncode == 0, result.stderr[-2000:]
    good, bad = (json.loads(x) for x in result.stdout.strip().splitlines())
    topics = {t["topic"]: t for t in good["topics"]}
    assert "eating_disorder" in topics and topics["eating_disorder"]["evidence"][0]["term"]
    assert bad["error"] == "bad_json"
