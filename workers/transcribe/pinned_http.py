"""HTTP(S) connections pinned to addresses the fetch policy already checked.

``http.client`` would resolve the host name again when connecting, and a DNS answer that changed in
between (DNS rebinding) would reach an address nobody checked. These connections take the checked
address and keep the name only for the Host header, TLS SNI and certificate verification.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Sequence

from workers.errors import AudioFetchFailed, AudioFetchRefused


def connect_pinned(
    scheme: str,
    host: str,
    port: int,
    addresses: Sequence[str],
    connect_timeout_s: float,
    read_timeout_s: float,
) -> http.client.HTTPConnection:
    """An open connection to the first reachable of ``addresses``, speaking HTTP(S) to ``host``."""
    last: OSError | None = None
    for address in addresses:
        conn = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = conn(host, port, address, connect_timeout_s, read_timeout_s)
        try:
            connection.connect()
            return connection
        except ssl.SSLCertVerificationError as exc:
            connection.close()
            raise AudioFetchRefused(f"TLS certificate of {host} does not verify: {exc}") from exc
        except OSError as exc:
            connection.close()
            last = exc
    raise AudioFetchFailed(f"cannot connect to {host}:{port}: {last!r}") from last


def _open_socket(address: str, port: int, connect_timeout_s: float, read_timeout_s: float) -> socket.socket:
    sock = socket.create_connection((address, port), timeout=connect_timeout_s)
    sock.settimeout(read_timeout_s)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a fixed, already-checked IP while the Host header keeps the name."""

    def __init__(self, host: str, port: int, address: str, connect_s: float, read_s: float) -> None:
        super().__init__(host, port, timeout=read_s)
        self._address, self._connect_s, self._read_s = address, connect_s, read_s

    def connect(self) -> None:
        """Open the socket to the checked address, never re-resolving the name."""
        self.sock = _open_socket(self._address, self.port, self._connect_s, self._read_s)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed IP; SNI and certificate verification use the host name."""

    def __init__(self, host: str, port: int, address: str, connect_s: float, read_s: float) -> None:
        super().__init__(host, port, timeout=read_s, context=ssl.create_default_context())
        self._address, self._connect_s, self._read_s = address, connect_s, read_s

    def connect(self) -> None:
        """Open the socket to the checked address and wrap it in verified TLS for the host name."""
        sock = _open_socket(self._address, self.port, self._connect_s, self._read_s)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
