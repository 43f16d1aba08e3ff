"""The audio fetch policy: file:// confinement, public-address-only http(s), caps and redirects.

HTTP cases run against a local server on 127.0.0.1, the only address these tests ever connect to;
every connection attempt is recorded and checked.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from workers.errors import AudioFetchFailed, AudioFetchRefused, AudioTooLarge, PoisonError, TransientError
from workers.transcribe.fetch import AudioNotFound, FetchPolicy, TooManyRedirects, fetch_audio

LOOPBACK_ONLY = frozenset({ipaddress.ip_network("127.0.0.1/32")})
# Test host names → addresses; never resolved through real DNS.
FAKE_DNS = {
    "media.test": ["127.0.0.1"],
    "cdn.media.test": ["127.0.0.1"],
    "rebind.test": ["10.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": ["93.184.216.34", "10.0.0.1"],
    "public.test": ["93.184.216.34"],
}


def fake_resolver(host: str) -> list[str]:
    """Resolve only the test names; anything else is a test bug."""
    if host not in FAKE_DNS:
        raise OSError(f"unknown test host {host}")
    return FAKE_DNS[host]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (address, port) the fetcher tries to connect to; anything but loopback fails the test."""
    seen: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        seen.append(address)
        assert address[0] == "127.0.0.1", f"fetcher tried to connect to {address}"
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", recording)
    return seen


# -- file:// ------------------------------------------------------------------------------------------


@pytest.fixture
def media(tmp_path: Path) -> tuple[Path, Path]:
    """(media root with clip.wav, a secret file outside the root)."""
    root = tmp_path / "media"
    root.mkdir()
    (root / "clip.wav").write_bytes(b"RIFF-audio")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    return root, secret


def test_file_below_media_root_is_read(media: tuple[Path, Path]) -> None:
    root, _ = media
    assert fetch_audio((root / "clip.wav").as_uri(), FetchPolicy(media_root=root)) == b"RIFF-audio"


@pytest.mark.parametrize("suffix", ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt"])
def test_dotdot_traversal_is_refused(media: tuple[Path, Path], suffix: str) -> None:
    root, _ = media
    with pytest.raises(AudioFetchRefused, match="outside the media root"):
        fetch_audio(f"file://{root}{suffix}", FetchPolicy(media_root=root))


def test_symlink_escape_is_refused(media: tuple[Path, Path]) -> None:
    root, secret = media
    (root / "innocent.wav").symlink_to(secret)
    (root / "dir").symlink_to(secret.parent)
    policy = FetchPolicy(media_root=root)
    for uri in ((root / "innocent.wav").as_uri(), (root / "dir" / "secret.txt").as_uri()):
        with pytest.raises(AudioFetchRefused, match="outside the media root"):
            fetch_audio(uri, policy)


def test_symlink_inside_media_root_is_followed(media: tuple[Path, Path]) -> None:
    root, _ = media
    (root / "alias.wav").symlink_to(root / "clip.wav")
    assert fetch_audio((root / "alias.wav").as_uri(), FetchPolicy(media_root=root)) == b"RIFF-audio"


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "file://localhost/etc/passwd", "file://host/x.wav"])
def test_system_files_and_remote_file_hosts_are_refused(media: tuple[Path, Path], uri: str) -> None:
    with pytest.raises(AudioFetchRefused):
        fetch_audio(uri, FetchPolicy(media_root=media[0]))


def test_file_uris_are_refused_without_a_media_root(media: tuple[Path, Path]) -> None:
    with pytest.raises(AudioFetchRefused, match="no media root"):
        fetch_audio((media[0] / "clip.wav").as_uri(), FetchPolicy())


def test_missing_file_directory_and_oversized_file(media: tuple[Path, Path]) -> None:
    root, _ = media
    with pytest.raises(AudioNotFound):
        fetch_audio((root / "nope.wav").as_uri(), FetchPolicy(media_root=root))
    (root / "sub").mkdir()
    with pytest.raises(AudioFetchRefused, match="not a regular file"):
        fetch_audio((root / "sub").as_uri(), FetchPolicy(media_root=root))
    with pytest.raises(AudioTooLarge):
        fetch_audio((root / "clip.wav").as_uri(), FetchPolicy(media_root=root, max_bytes=4))
    os.mkfifo(root / "pipe.wav")  # opening it for reading would block forever
    with pytest.raises(AudioFetchRefused, match="not a regular file"):
        fetch_audio((root / "pipe.wav").as_uri(), FetchPolicy(media_root=root))


@pytest.mark.parametrize(
    "uri",
    ["ftp://media.test/a.mp3", "gopher://x/", "data:audio/wav;base64,AAAA", "s3://b/k", "/etc/passwd", ""],
)
def test_unsupported_schemes_are_refused(uri: str) -> None:
    with pytest.raises(AudioFetchRefused, match="scheme"):
        fetch_audio(uri, FetchPolicy(allowed_hosts=frozenset({"media.test"}), resolver=fake_resolver))


# -- http(s):// policy checks (no server needed: refused before any connection) ------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://0.0.0.0/",
        "http://10.0.0.1/",
    ],
)
def test_private_literals_are_refused_even_when_allow_listed(uri: str, connections: list) -> None:
    host = uri.split("/")[2].strip("[]")
    policy = FetchPolicy(allowed_hosts=frozenset({host}))
    with pytest.raises(AudioFetchRefused, match="non-public"):
        fetch_audio(uri, policy)
    with pytest.raises(AudioFetchRefused, match="allow-list"):
        fetch_audio(uri, FetchPolicy())
    assert connections == []


def test_host_not_on_allow_list_is_refused_without_resolving(connections: list) -> None:
    looked_up: list[str] = []
    policy = FetchPolicy(
        allowed_hosts=frozenset({"media.test"}), resolver=lambda h: looked_up.append(h) or []
    )
    for uri in (
        "https://evil.test/a.mp4",
        "https://media.test.evil.test/a.mp4",
        "http://user:pw@media.test/",
    ):
        with pytest.raises(AudioFetchRefused):
            fetch_audio(uri, policy)
    assert looked_up == [] and connections == []


@pytest.mark.parametrize("host", ["rebind.test", "metadata.test", "mixed.test"])
def test_allow_listed_name_resolving_to_private_address_is_refused(host: str, connections: list) -> None:
    policy = FetchPolicy(allowed_hosts=frozenset({host}), resolver=fake_resolver)
    with pytest.raises(AudioFetchRefused, match="non-public"):
        fetch_audio(f"https://{host}/clip.mp4", policy)
    assert connections == []


def test_default_policy_refuses_loopback_even_with_a_server_listening(server: str, connections: list) -> None:
    policy = FetchPolicy(allowed_hosts=frozenset({"media.test"}), resolver=fake_resolver)
    with pytest.raises(AudioFetchRefused, match="non-public"):
        fetch_audio(f"{server}/ok", policy)
    assert connections == []


def test_subdomain_entries_match_only_subdomains() -> None:
    policy = FetchPolicy(allowed_hosts=frozenset({".media.test", "public.test"}))
    assert policy.host_allowed("cdn.media.test")
    assert policy.host_allowed("public.test")
    assert not policy.host_allowed("evilmedia.test")
    assert not policy.host_allowed("sub.public.test")


# -- http against a local server ------------------------------------------------------------------------

BODY = b"\x00\x01audio-bytes" * 100


class _Handler(BaseHTTPRequestHandler):
    """Routes: /ok, /big (Content-Length), /big-stream (no length), /hop/N, /loop, /to?u=URL, /404, /503,
    /slow; records the Host header it saw."""

    hosts: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).hosts.append(self.headers.get("Host", ""))
        path = self.path
        if path == "/ok":
            self._send(200, BODY)
        elif path == "/big":
            self._send(200, b"x" * 5000)
        elif path == "/big-stream":
            self._stream(b"y" * 1000, chunks=10)
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect("/ok" if left == 0 else f"/hop/{left - 1}")
        elif path == "/loop":
            self._redirect("/loop")
        elif path.startswith("/to?u="):
            self._redirect(path.split("=", 1)[1])
        elif path == "/slow":
            time.sleep(1.0)
            self._send(200, BODY)
        else:
            self._send(int(path.strip("/")) if path.strip("/").isdigit() else 404, b"")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, chunk: bytes, chunks: int) -> None:
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(chunks):
            self.wfile.write(chunk)
        self.close_connection = True

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence test output
        return


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (byte cap, timeout) are expected here, not errors."""

    def handle_error(self, request: object, client_address: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    """Base URL (host media.test) of a local HTTP server on 127.0.0.1."""
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _Handler.hosts = []
    try:
        yield f"http://media.test:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def local_policy() -> Callable[..., FetchPolicy]:
    """A policy that allows exactly 127.0.0.1 (test knob) for media.test, with overrides."""

    def make(**overrides: object) -> FetchPolicy:
        fields: dict = dict(
            allowed_hosts=frozenset({"media.test", "rebind.test", "metadata.test", "169.254.169.254"}),
            allow_private_networks=LOOPBACK_ONLY,
            resolver=fake_resolver,
            max_bytes=4096,
            read_timeout_s=2.0,
        )
        fields.update(overrides)
        return FetchPolicy(**fields)

    return make


def test_body_is_fetched_from_the_checked_address_with_the_host_name(
    server: str, local_policy: Callable[..., FetchPolicy], connections: list
) -> None:
    assert fetch_audio(f"{server}/ok", local_policy()) == BODY
    port = int(server.rsplit(":", 1)[1])
    assert connections == [("127.0.0.1", port)]
    assert _Handler.hosts == [f"media.test:{port}"]


@pytest.mark.parametrize("route", ["/big", "/big-stream"])
def test_body_over_the_cap_is_refused(
    server: str, local_policy: Callable[..., FetchPolicy], route: str
) -> None:
    with pytest.raises(AudioTooLarge):
        fetch_audio(f"{server}{route}", local_policy())


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/x.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://rebind.test/x.mp4",
        "http://metadata.test/x.mp4",
        "file:///etc/passwd",
        "http://elsewhere.test/x.mp4",
    ],
)
def test_redirect_to_a_forbidden_target_is_refused_before_connecting(
    server: str, local_policy: Callable[..., FetchPolicy], connections: list, target: str
) -> None:
    with pytest.raises(AudioFetchRefused):
        fetch_audio(f"{server}/to?u={target}", local_policy())
    assert len(connections) == 1  # only the local server, never the redirect target


def test_redirects_within_the_limit_are_followed(
    server: str, local_policy: Callable[..., FetchPolicy]
) -> None:
    assert fetch_audio(f"{server}/hop/3", local_policy(max_redirects=4)) == BODY


def test_too_many_redirects_are_refused(server: str, local_policy: Callable[..., FetchPolicy]) -> None:
    with pytest.raises(TooManyRedirects):
        fetch_audio(f"{server}/hop/3", local_policy(max_redirects=2))
    with pytest.raises(TooManyRedirects) as info:
        fetch_audio(f"{server}/loop", local_policy())
    assert info.value.reason == "too_many_redirects"


def test_http_errors_split_into_poison_and_transient(
    server: str, local_policy: Callable[..., FetchPolicy]
) -> None:
    with pytest.raises(AudioNotFound):
        fetch_audio(f"{server}/404", local_policy())
    with pytest.raises(AudioFetchFailed):
        fetch_audio(f"{server}/503", local_policy())
    with pytest.raises(AudioFetchFailed):
        fetch_audio(f"{server}/429", local_policy())


def test_read_timeout_and_refused_connection_are_transient(
    server: str, local_policy: Callable[..., FetchPolicy]
) -> None:
    with pytest.raises(AudioFetchFailed):
        fetch_audio(f"{server}/slow", local_policy(read_timeout_s=0.2))
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(AudioFetchFailed):
        fetch_audio(f"http://media.test:{closed_port}/ok", local_policy())


def test_error_classes_tell_the_agent_what_to_do() -> None:
    assert issubclass(AudioNotFound, PoisonError) and AudioNotFound.reason == "audio_not_found"
    assert issubclass(TooManyRedirects, AudioFetchRefused)
    assert issubclass(AudioFetchFailed, TransientError)
    assert {AudioFetchRefused.reason, AudioTooLarge.reason} == {"fetch_refused", "audio_too_large"}


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """(base URL, SNI names seen) of a local HTTPS server with a self-signed certificate for media.test."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not available to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=media.test",
         "-addext", "subjectAltName=DNS:media.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,misc,func-returns-value]
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://media.test:{httpd.server_address[1]}", names
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(
    tls_server: tuple[str, list[str]], local_policy: Callable[..., FetchPolicy], connections: list
) -> None:
    base, sni_names = tls_server
    with pytest.raises(AudioFetchRefused, match="certificate"):  # self-signed: not in the trust store
        fetch_audio(f"{base}/ok", local_policy())
    assert [address for address, _ in connections] == ["127.0.0.1"]
    assert sni_names == ["media.test"]
