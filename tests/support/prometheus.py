"""A real Prometheus server for tests: scrape one target every second, query it over the HTTP API.

Uses the ``prometheus`` binary (Debian package ``prometheus``); tests call ``prometheus_binary()`` and
skip with a reason when it is missing. Typical use::

    with running_prometheus("127.0.0.1:6066", tmp_path) as prom:
        prom.wait_for("sum(fides_events_in_total) > 0", timeout=30)
        rows = prom.query("fides_events_in_total")
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

JOB = "fides-workers"


def prometheus_binary() -> str | None:
    """Path of the ``prometheus`` server binary, or None when it is not installed."""
    return shutil.which("prometheus")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    directory: Path, targets: Sequence[str], rule_files: Sequence[Path] = (), interval: str = "1s"
) -> Path:
    """Write a prometheus.yml scraping ``targets`` as job ``fides-workers`` every ``interval``."""
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": list(targets)}]}],
    }
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@dataclass
class PrometheusServer:
    """A started Prometheus: its base URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def api(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>`` and return its ``data`` (raises on a non-success status)."""
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as response:  # noqa: S310
            body = json.load(response)
        if body.get("status") != "success":
            raise RuntimeError(f"Prometheus API {path} failed: {body}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query: the vector's samples as ``{"metric": {...}, "value": [ts, "v"]}`` dicts."""
        return list(self.api("query", query=expr)["result"])

    def scalar(self, expr: str) -> float | None:
        """The single value of an instant query, or None when it returns nothing."""
        rows = self.query(expr)
        if not rows:
            return None
        if len(rows) > 1:
            raise RuntimeError(f"{expr!r} returned {len(rows)} series, expected one")
        return float(rows[0]["value"][1])

    def wait_for(self, expr: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll ``expr`` until it returns a non-empty vector; fail with the log tail on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.query(expr)
            if rows:
                return rows
            time.sleep(0.5)
        raise TimeoutError(
            f"{expr!r} stayed empty for {timeout}s; targets: {self.targets()}\n{self.log_tail()}"
        )

    def targets(self) -> list[dict[str, Any]]:
        """Active scrape targets with their health and last error."""
        return [
            {key: target.get(key) for key in ("scrapeUrl", "health", "lastError")}
            for target in self.api("targets")["activeTargets"]
        ]

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log, for failure messages."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _wait_ready(server: PrometheusServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"prometheus exited with {server.process.returncode}\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"prometheus not ready after {timeout}s\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_prometheus(
    target: str | Sequence[str],
    workdir: Path,
    *,
    rule_files: Sequence[Path] = (),
    interval: str = "1s",
    ready_timeout: float = 30.0,
) -> Iterator[PrometheusServer]:
    """Start Prometheus on 127.0.0.1 scraping ``target`` (host:port), wait until ready, stop on exit."""
    binary = prometheus_binary()
    if binary is None:
        raise FileNotFoundError("prometheus binary not found: apt-get install -y prometheus")
    targets = [target] if isinstance(target, str) else list(target)
    config = write_config(workdir, targets, rule_files, interval)
    port = free_port()
    log_path = workdir / "prometheus.log"
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    server = PrometheusServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        _stop(process)
