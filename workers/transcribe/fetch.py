"""Fetch an upload's audio bytes under one policy, whatever the URI scheme.

The audio URI comes from uploaders, so it is the stage's attack surface: a ``file://`` URI may point
anywhere on disk and an ``http://`` URI at the cloud metadata service or an internal port. Every
request therefore goes through :func:`fetch_audio` with a frozen :class:`FetchPolicy`:

- ``file://`` is read only below ``media_root``, after resolving ``..`` and symlinks;
- ``http(s)://`` goes only to allow-listed hosts; every address the name resolves to must be public,
  and the connection is made to the address that was checked (no second DNS lookup to rebind);
- the body is capped while streaming, redirects are counted and each target goes through the same
  checks again.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from workers.errors import AudioFetchFailed, AudioFetchRefused, AudioTooLarge, PoisonError
from workers.transcribe.netcheck import IpNetwork, check_addresses
from workers.transcribe.pinned_http import connect_pinned

_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_4XX = frozenset({408, 425, 429})


class TooManyRedirects(AudioFetchRefused):
    """The server redirected more often than the policy allows."""

    reason = "too_many_redirects"


class AudioNotFound(PoisonError):
    """The URI is allowed but names nothing (missing file, HTTP 404/410 and other final 4xx)."""

    reason = "audio_not_found"


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), as strings."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchPolicy:
    """Where audio may come from and how much of it; one instance guards every scheme."""

    media_root: Path | None = None  # file:// allowed only below this directory; None = file:// refused
    allowed_hosts: frozenset[str] = frozenset()  # exact host names; ".example.com" also allows subdomains
    max_bytes: int = 50 * 1024 * 1024  # a 60 s clip is well under 5 MB even as WAV at 16 kHz
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0  # per socket read
    total_timeout_s: float = 30.0  # whole fetch incl. redirects; stops a server dribbling bytes
    max_redirects: int = 3
    allowed_schemes: frozenset[str] = frozenset({"file", "http", "https"})
    # Test-only escape hatch: networks exempt from the public-address rule (e.g. 127.0.0.1/32 for a
    # local test server). Empty in production; never set it from untrusted configuration.
    allow_private_networks: frozenset[IpNetwork] = frozenset()
    resolver: Callable[[str], list[str]] = field(default=resolve_host, compare=False)

    def host_allowed(self, host: str) -> bool:
        """Whether ``host`` (already lower-cased) is on the allow-list."""
        return any(
            host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in self.allowed_hosts
        )


def fetch_audio(uri: str, policy: FetchPolicy) -> bytes:
    """The bytes behind ``uri`` if the policy allows it; raises the project's audio errors otherwise."""
    if "\x00" in uri:
        raise AudioFetchRefused("audio URI contains a NUL byte")
    scheme = urlsplit(uri).scheme.lower()
    if scheme not in policy.allowed_schemes:
        raise AudioFetchRefused(f"audio URI scheme {scheme or '(none)'!r} is not allowed")
    if scheme == "file":
        return _read_file(uri, policy)
    return _fetch_http(uri, policy)


# -- file:// ------------------------------------------------------------------------------------------


def local_path(uri: str, policy: FetchPolicy) -> Path:
    """The real path a ``file://`` URI names, refused unless it lies below ``policy.media_root``."""
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise AudioFetchRefused(f"file URI with a remote host {parts.netloc!r} is not allowed")
    if policy.media_root is None:
        raise AudioFetchRefused("file URIs are disabled (no media root configured)")
    root = policy.media_root.resolve(strict=False)
    # resolve() follows every symlink and collapses "..", so the containment test sees the real target.
    real = Path(unquote(parts.path)).resolve(strict=False)
    if not real.is_relative_to(root):
        raise AudioFetchRefused(f"{real} is outside the media root")
    return real


def _read_file(uri: str, policy: FetchPolicy) -> bytes:
    path = local_path(uri, policy)
    try:
        # O_NOFOLLOW: the last component cannot have been swapped for a symlink since resolve();
        # O_NONBLOCK: opening a FIFO planted below the root must not hang the worker.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError as exc:
        raise AudioNotFound(f"no such audio file {path}") from exc
    except OSError as exc:
        raise AudioFetchRefused(f"cannot open {path}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise AudioFetchRefused(f"{path} is not a regular file")
        if info.st_size > policy.max_bytes:
            raise AudioTooLarge(f"{path} has {info.st_size} bytes, cap is {policy.max_bytes}")
        data = _read_fd(fd, policy.max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > policy.max_bytes:
        raise AudioTooLarge(f"{path} grew past the cap of {policy.max_bytes} bytes while reading")
    return data


def _read_fd(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := os.read(fd, min(_CHUNK * 16, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


# -- http(s):// ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """An http(s) URL that passed the policy, with the addresses it may be fetched from."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_http_url(url: str, policy: FetchPolicy) -> _Target:
    """Apply the policy to an http(s) URL and resolve it; raises ``AudioFetchRefused`` on any breach."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or scheme not in policy.allowed_schemes:
        raise AudioFetchRefused(f"scheme {scheme!r} is not allowed for audio over the network")
    if parts.username is not None or parts.password is not None:
        raise AudioFetchRefused("credentials in the audio URL are not allowed")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or not policy.host_allowed(host):
        raise AudioFetchRefused(f"host {host!r} is not on the audio allow-list")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
        addresses = [host] if _is_ip_literal(host) else policy.resolver(host)
    except ValueError as exc:
        raise AudioFetchRefused(f"bad port in {url!r}") from exc
    except OSError as exc:
        raise AudioFetchFailed(f"cannot resolve {host!r}: {exc}") from exc
    check_addresses(host, addresses, policy.allow_private_networks)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, port, path, tuple(addresses))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _fetch_http(url: str, policy: FetchPolicy) -> bytes:
    deadline = time.monotonic() + policy.total_timeout_s
    for _hop in range(policy.max_redirects + 1):
        target = check_http_url(url, policy)
        location = _request(target, policy, deadline)
        if isinstance(location, bytes):
            return location
        url = urljoin(url, location)
    raise TooManyRedirects(f"more than {policy.max_redirects} redirects fetching the audio")


def _request(target: _Target, policy: FetchPolicy, deadline: float) -> bytes | str:
    """One GET: the body, or the Location of a redirect (not followed here)."""
    conn = connect_pinned(
        target.scheme,
        target.host,
        target.port,
        target.addresses,
        policy.connect_timeout_s,
        policy.read_timeout_s,
    )
    try:
        conn.request("GET", target.path, headers={"Accept-Encoding": "identity", "Connection": "close"})
        response = conn.getresponse()
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise AudioFetchRefused(f"redirect {response.status} without a Location header")
            return location
        _check_status(response.status, target)
        return _read_capped(response, policy, deadline)
    except (OSError, http.client.HTTPException) as exc:
        raise AudioFetchFailed(f"fetching audio from {target.host}: {exc!r}") from exc
    finally:
        conn.close()


def _check_status(status: int, target: _Target) -> None:
    if 200 <= status < 300:
        return
    message = f"audio server {target.host} answered HTTP {status}"
    if status >= 500 or status in _RETRYABLE_4XX:
        raise AudioFetchFailed(message)
    raise AudioNotFound(message)


def _read_capped(response: http.client.HTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
        raise AudioTooLarge(f"Content-Length {declared} is over the cap of {policy.max_bytes} bytes")
    body = bytearray()
    while chunk := response.read(_CHUNK):
        body += chunk
        if len(body) > policy.max_bytes:
            raise AudioTooLarge(f"audio body is over the cap of {policy.max_bytes} bytes")
        if time.monotonic() > deadline:
            raise AudioFetchFailed(f"audio download took longer than {policy.total_timeout_s} s")
    return bytes(body)
