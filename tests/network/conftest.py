"""Fixtures for the link prober: a real HTTP server on 127.0.0.1 and fakes for "public" hosts.

The server is a threaded ``http.server`` on port 0, so the prober's real network path (httpx,
sockets, keep-alive, a body cut short) is exercised without leaving the machine. Anything that
must look public (``cdn.example.test`` → 93.184.216.34) goes through ``httpx.MockTransport``
and a fake resolver instead: tests send traffic only to loopback.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + b"\x00" * 9975
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 600
_WEBP_BODY = b"WEBPVP8 " + (4000).to_bytes(4, "little") + b"\x00" * 4000
WEBP = b"RIFF" + len(_WEBP_BODY).to_bytes(4, "little") + _WEBP_BODY
HUGE = 200 * 1024 * 1024
#: The real media files of tests/fixtures/media, served by ``/file/<name>``.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "media"

_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class LinkServer:
    """What the test server saw, and where it listens."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()  # path with query → requests
        self.headers: dict[str, dict[str, str]] = {}  # path with query → last request's headers
        self.huge_sent = 0
        self.huge_done = threading.Event()
        self.base = ""

    def url(self, path: str) -> str:
        return self.base + path

    def seen(self, path: str) -> int:
        with self.lock:
            return self.hits[path]

    def total(self) -> int:
        with self.lock:
            return sum(self.hits.values())


def _handler(state: LinkServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real CDNs do

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with state.lock:
                state.hits[self.path] += 1
                count = state.hits[self.path]
                state.headers[self.path] = {k.lower(): v for k, v in self.headers.items()}
            path = self.path.split("?", 1)[0]
            route = ROUTES.get(path)
            if route is None:
                for prefix, handler in PREFIX_ROUTES.items():
                    if path.startswith(prefix):
                        route = handler
                        break
            if route is None:
                self.reply(404, b"not found")
            else:
                route(self, path, count)

        def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def ranged(self, body: bytes, content_type: str | None, total: int | None = None) -> None:
            """Answer a Range request; ``total`` pretends the file is that long (zeros after
            ``body``), so a "huge" file costs nothing to serve a 4 KB range of."""
            total = len(body) if total is None else total
            typed = {"Content-Type": content_type} if content_type else {}
            match = _RANGE.fullmatch(self.headers.get("Range", ""))
            if not match:
                self.reply(200, body.ljust(min(total, 1 << 20), b"\0"), {**typed, "Accept-Ranges": "bytes"})
                return
            start = int(match[1])
            end = min(int(match[2]) if match[2] else total - 1, total - 1)
            if start >= total:
                self.reply(416, b"", {"Content-Range": f"bytes */{total}"})
                return
            self.reply(
                206,
                body.ljust(end + 1, b"\0")[start : end + 1],
                {**typed, "Content-Range": f"bytes {start}-{end}/{total}"},
            )

        # -- routes

        def huge(self, path: str, count: int) -> None:
            """Ignores Range and would stream 200 MB if the client kept reading."""
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            chunk = b"\x00" * 65536
            try:
                while state.huge_sent < HUGE:
                    self.wfile.write(chunk)
                    state.huge_sent += len(chunk)
            except OSError:
                self.close_connection = True
            finally:
                state.huge_done.set()

        def huge_ranged(self, path: str, count: int) -> None:
            match = _RANGE.fullmatch(self.headers.get("Range", ""))
            end = int(match[2]) if match else 4095
            self.reply(
                206, b"\x00" * (end + 1), {"Content-Type": "video/mp4", "Content-Range": f"bytes 0-{end}/{HUGE}"}
            )

        def fixture(self, path: str, count: int) -> None:
            """``/file/<fixture>[/<any name>]?type=<Content-Type>&size=<bytes>``: a real media
            file with the Content-Type given (none when ``type`` is empty or absent), pretending
            to be ``size`` bytes long when asked; a trailing name lets a link call it anything."""
            query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
            source = FIXTURES / path.split("/")[2]
            if not source.is_file():
                self.reply(404, b"no such fixture")
                return
            size = int(query["size"][0]) if query.get("size") else None
            self.ranged(source.read_bytes(), query.get("type", [""])[0] or None, size)

        def status(self, path: str, count: int) -> None:
            code = int(path.rsplit("/", 1)[1])
            self.reply(code, f"status {code}".encode(), {"Content-Type": "text/plain"})

        def flaky(self, path: str, count: int) -> None:
            if count == 1:
                self.reply(429, b"slow down", {"Retry-After": "0"})
            else:
                self.ranged(JPEG, "image/jpeg")

        def slow(self, path: str, count: int) -> None:
            time.sleep(1.0)
            try:
                self.ranged(JPEG, "image/jpeg")
            except OSError:
                self.close_connection = True

    ROUTES: dict[str, Callable[[Handler, str, int], None]] = {
        "/image.jpg": lambda h, p, c: h.ranged(JPEG, "image/jpeg"),
        "/doc.pdf": lambda h, p, c: h.ranged(PDF, "application/pdf"),
        "/sticker.webp": lambda h, p, c: h.ranged(WEBP, "image/webp"),
        "/lying.jpg": lambda h, p, c: h.ranged(PDF, "image/jpeg"),
        "/norange.png": lambda h, p, c: h.reply(200, PNG, {"Content-Type": "image/png"}),
        "/empty.png": lambda h, p, c: h.ranged(b"", "image/png"),
        "/huge.mp4": Handler.huge,
        "/huge-ranged.mp4": Handler.huge_ranged,
        "/slow.jpg": Handler.slow,
        # a two-hop chain: relative, then absolute-path Location
        "/redirect/a": lambda h, p, c: h.reply(302, b"", {"Location": "b"}),
        "/redirect/b": lambda h, p, c: h.reply(301, b"", {"Location": "/image.jpg"}),
        "/loop/a": lambda h, p, c: h.reply(302, b"", {"Location": "/loop/b"}),
        "/loop/b": lambda h, p, c: h.reply(307, b"", {"Location": "/loop/a"}),
        "/no-location": lambda h, p, c: h.reply(302, b""),
        "/login.jpg": lambda h, p, c: h.reply(
            200, b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>",
            {"Content-Type": "text/html; charset=utf-8"}),
    }
    PREFIX_ROUTES: dict[str, Callable[[Handler, str, int], None]] = {
        "/status/": Handler.status,
        "/flaky/": Handler.flaky,
        "/file/": Handler.fixture,
    }
    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early is part of the tests, not an error


@pytest.fixture(scope="session")
def link_server():
    state = LinkServer()
    server = _Server(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class Recorder:
    """A ``MockTransport`` handler that records every request it is asked to send."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.respond = respond or (lambda request: httpx.Response(200, content=b"ok"))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


class FakeResolver:
    """``host -> [IP]`` from a table; records the hosts it was asked about."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table if table is not None else {"cdn.example.test": ["93.184.216.34"]}
        self.calls: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return self.table[host]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory):
    """The same routes over https on 127.0.0.1, with a certificate for ``media.test`` only.

    Signed by a throw-away CA written to ``ca_file``; the test points ``SSL_CERT_FILE`` at it.
    Needs ``cryptography`` (skipped without it) to mint the certificates.
    """
    import datetime
    import ssl

    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate("walint test CA", ca_key, "walint test CA", ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = certificate("media.test", leaf_key, "walint test CA", ca_key, ca=False)

    folder = tmp_path_factory.mktemp("tls")
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (folder / "leaf.pem").write_bytes(leaf_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")

    state = LinkServer()
    server = _Server(("127.0.0.1", 0), _handler(state))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.base = f"https://media.test:{server.server_address[1]}"
    state.ca_file = str(folder / "ca.pem")  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
