"""Worker subprocesses for fault injection: start, wait ready, kill -9, SIGTERM, read their memory."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from workers.settings import REPO_ROOT, Settings


def rss_bytes(pid: int) -> int | None:
    """Resident set size of a live process (Linux /proc), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class WorkerProcess:
    """One ``python -m workers worker`` subprocess writing to its own log file."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "workers", "worker"],
            env=settings.to_env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.proc.pid

    def ready(self) -> bool:
        """True when /readyz answers ready (cores loaded, partitions assigned, not rebalancing)."""
        url = f"http://127.0.0.1:{self.settings.worker.web_port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - fixed local http URL
                return bool(json.loads(response.read()).get("ready"))
        except OSError:
            return False

    def wait_ready(self, timeout_s: float = 120.0) -> float:
        """Block until ready; returns the seconds waited. Raises RuntimeError if it dies or times out."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self.ready():
                return time.monotonic() - started
            time.sleep(0.25)
        raise RuntimeError(f"worker not ready after {timeout_s:.0f} s:\n{self.log_tail()}")

    def kill(self) -> float:
        """kill -9 (no shutdown, no commit); returns the wall-clock time of the kill."""
        killed_at = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        return killed_at

    def freeze(self) -> float:
        """SIGSTOP: the process stops dead (no heartbeats, no commits) until ``thaw``; returns the time."""
        frozen_at = time.time()
        self.proc.send_signal(signal.SIGSTOP)
        return frozen_at

    def thaw(self) -> None:
        """SIGCONT after ``freeze``: the process resumes where it stopped, unaware of the time lost."""
        self.proc.send_signal(signal.SIGCONT)

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 60.0) -> int:
        """Send ``sig`` and wait for the exit (SIGKILL after ``timeout_s``); returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen process cannot act on the signal
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log.closed:
            self._log.close()
        return self.proc.returncode

    def rss_bytes(self) -> int | None:
        """The worker's current resident memory."""
        return rss_bytes(self.proc.pid)

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the worker's log."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
