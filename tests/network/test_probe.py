"""Tests for validator.net: the generic, guarded, cached link prober.

Three kinds: against a real HTTP server on 127.0.0.1 (``link_server``, allow_private=True),
with ``httpx.MockTransport`` plus a fake resolver for anything that must look public, and
cache tests on a temporary directory. Timeouts are short so the file runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import magic
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.net import Outcome, ProbeCache, ProbeResult, UrlProber
from validator.net.headers import content_range_total, parse_retry_after
from validator.net.lanes import Lanes
from validator.net.probe import RETRY_AFTER_CAP, retry_delay
from validator.redact import redact_url

from .conftest import HUGE, JPEG, PDF, PNG, WEBP, FakeResolver, Recorder

PUBLIC = "93.184.216.34"
REPO = Path(__file__).resolve().parents[2]


def local(**options) -> UrlProber:
    """A prober for the loopback test server: guard off, quick to give up."""
    options.setdefault("allow_private", True)
    options.setdefault("timeout", 2.0)
    options.setdefault("backoff", 0.01)
    return UrlProber(**options)


def mocked(recorder: Recorder, resolver=None, **options) -> UrlProber:
    """A guarded prober whose "internet" is a MockTransport and a fake resolver."""
    options.setdefault("backoff", 0.01)
    options.setdefault("timeout", 1.0)
    return UrlProber(
        transport=recorder.transport(), resolver=resolver or FakeResolver(), **options
    )


def image_response(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        206,
        headers={"Content-Type": "image/jpeg", "Content-Range": f"bytes 0-4095/{len(JPEG)}"},
        content=JPEG[:4096],
    )


def probe_one(prober: UrlProber, url: str) -> ProbeResult:
    results = prober.probe_all([url])
    assert list(results) == [url]
    return results[url]


# --------------------------------------------------------------------------------------------
# Against a real server on 127.0.0.1


def test_image_is_fetched_with_a_small_range(link_server):
    url = link_server.url("/image.jpg?t=range")
    result = probe_one(local(), url)
    assert result.outcome is Outcome.OK and result.ok and result.definitive
    assert result.status == 206
    assert result.content_type == "image/jpeg"
    assert result.head == JPEG[:4096]
    assert result.size == len(JPEG)
    assert result.final_url == url and result.redirects == ()
    sent = link_server.headers["/image.jpg?t=range"]
    assert sent["range"] == "bytes=0-4095"
    assert sent["accept-encoding"] == "identity"
    assert "walint" in sent["user-agent"]


@pytest.mark.parametrize(
    ("path", "media_type", "body"),
    [("/doc.pdf", "application/pdf", PDF), ("/sticker.webp", "image/webp", WEBP)],
)
def test_pdf_and_webp_report_type_head_and_size(link_server, path, media_type, body):
    result = probe_one(local(max_bytes=2048), link_server.url(path))
    assert result.ok
    assert result.media_type == media_type
    assert result.head == body[:2048]
    assert magic.from_buffer(result.head, mime=True) == media_type
    assert result.size == len(body)


def test_two_hop_redirect_chain_is_recorded(link_server):
    result = probe_one(local(), link_server.url("/redirect/a"))
    assert result.ok
    assert result.redirects == (link_server.url("/redirect/b"), link_server.url("/image.jpg"))
    assert result.final_url == link_server.url("/image.jpg")
    assert result.head == JPEG[:4096]
    assert "after 2 redirects" in result.detail


def test_redirect_loop_is_detected(link_server):
    result = probe_one(local(), link_server.url("/loop/a"))
    assert result.outcome is Outcome.TOO_MANY_REDIRECTS
    assert "loop" in result.detail
    assert result.redirects == (link_server.url("/loop/b"), link_server.url("/loop/a"))
    assert result.definitive


def test_redirects_beyond_the_cap_are_not_followed(link_server):
    result = probe_one(local(max_redirects=1), link_server.url("/redirect/a"))
    assert result.outcome is Outcome.TOO_MANY_REDIRECTS
    assert result.detail == "more than 1 redirects"
    assert result.status == 301


def test_redirect_without_location_is_an_http_error(link_server):
    result = probe_one(local(), link_server.url("/no-location"))
    assert result.outcome is Outcome.HTTP_ERROR and result.status == 302
    assert "without a Location" in result.detail


@pytest.mark.parametrize("code", [401, 403, 404])
def test_client_errors_are_final_and_not_retried(link_server, code):
    path = f"/status/{code}?t=final"
    result = probe_one(local(retries=3), link_server.url(path))
    assert result.outcome is Outcome.HTTP_ERROR
    assert result.status == code
    assert result.definitive
    assert link_server.seen(path) == 1


def test_429_is_retried_and_then_succeeds(link_server):
    path = "/flaky/once?t=429"
    result = probe_one(local(), link_server.url(path))
    assert result.ok, result.detail
    assert link_server.seen(path) == 2
    assert "after 2 attempts" in result.detail


def test_500_is_retried_then_reported_as_unverified(link_server):
    path = "/status/500?t=retry"
    result = probe_one(local(retries=2), link_server.url(path))
    assert result.outcome is Outcome.HTTP_ERROR and result.status == 500
    assert not result.definitive
    assert link_server.seen(path) == 3
    assert "after 3 attempts" in result.detail


def test_slow_endpoint_times_out_quickly(link_server):
    path = "/slow.jpg?t=timeout"
    started = time.monotonic()
    result = probe_one(local(timeout=0.2, retries=1), link_server.url(path))
    assert time.monotonic() - started < 0.9
    assert result.outcome is Outcome.TIMEOUT
    assert not result.definitive
    assert link_server.seen(path) == 2


def test_run_budget_ends_slow_urls_but_not_fast_ones(link_server):
    slow, fast = link_server.url("/slow.jpg?t=budget"), link_server.url("/image.jpg?t=budget")
    started = time.monotonic()
    results = local(timeout=5.0, total_timeout=0.4).probe_all([slow, fast])
    assert time.monotonic() - started < 1.5
    assert results[slow].outcome is Outcome.TOO_SLOW
    assert "0.4 s run budget" in results[slow].detail
    assert results[fast].ok


def test_lying_content_type_is_reported_as_sent_and_head_tells_the_truth(link_server):
    result = probe_one(local(), link_server.url("/lying.jpg"))
    assert result.ok
    assert result.content_type == "image/jpeg"
    assert magic.from_buffer(result.head, mime=True) == "application/pdf"


def test_huge_file_ignoring_range_is_cut_after_max_bytes(link_server):
    started = time.monotonic()
    result = probe_one(local(max_bytes=4096), link_server.url("/huge.mp4"))
    assert result.ok and result.status == 200
    assert len(result.head) == 4096
    assert result.size == HUGE
    # The prober hung up: the server's writes failed long before 200 MB.
    assert link_server.huge_done.wait(5.0)
    assert link_server.huge_sent < HUGE // 4
    assert time.monotonic() - started < 5.0


def test_huge_file_size_comes_from_content_range(link_server):
    result = probe_one(local(max_bytes=1024), link_server.url("/huge-ranged.mp4"))
    assert result.status == 206
    assert result.size == HUGE
    assert len(result.head) == 1024
    assert result.headers["content-range"] == f"bytes 0-1023/{HUGE}"


def test_server_ignoring_range_is_read_only_up_to_the_cap(link_server):
    result = probe_one(local(), link_server.url("/norange.png"))
    assert result.status == 200
    assert result.head == PNG[:4096]
    assert result.size == len(PNG)


def test_empty_file_answered_416_is_ok_with_size_zero(link_server):
    result = probe_one(local(), link_server.url("/empty.png"))
    assert result.ok
    assert result.status == 416
    assert result.size == 0 and result.head == b""


def test_refused_connection_is_retried_and_unverified():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = probe_one(local(retries=1), f"http://127.0.0.1:{port}/x.jpg")
    assert result.outcome is Outcome.CONNECT_ERROR
    assert "after 2 attempts" in result.detail
    assert not result.definitive


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_guard_refuses_the_local_server_without_contacting_it(link_server, host):
    path = f"/image.jpg?t=guard-{host}"
    port = link_server.base.rsplit(":", 1)[1]
    # "localhost" goes through the default resolver (getaddrinfo).
    result = probe_one(UrlProber(timeout=2.0), f"http://{host}:{port}{path}")
    assert result.outcome is Outcome.BLOCKED
    assert "loopback" in result.detail
    assert link_server.seen(path) == 0


def test_https_verifies_the_certificate_against_the_name_not_the_pinned_ip(tls_server, monkeypatch):
    """Pinned to 127.0.0.1, TLS must still check the name; a second name on the same IP and
    port must not ride on the first name's verified connection."""
    monkeypatch.setenv("SSL_CERT_FILE", tls_server.ca_file)
    port = tls_server.base.rsplit(":", 1)[1]
    resolver = FakeResolver({"media.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    good = f"https://media.test:{port}/image.jpg?t=tls"
    wrong = f"https://other.test:{port}/image.jpg?t=tls-wrong"
    # One at a time, so "wrong" would find the verified media.test connection idle if lanes
    # were shared by IP and port.
    prober = local(resolver=resolver, retries=0, concurrency=1)
    results = prober.probe_all([good, wrong, good + "&again=1"])
    assert results[good].ok, results[good].detail
    assert results[good].head == JPEG[:4096]
    assert tls_server.headers["/image.jpg?t=tls"]["host"] == f"media.test:{port}"
    assert results[good + "&again=1"].ok
    assert results[wrong].outcome is Outcome.TLS_ERROR
    assert "other.test" in results[wrong].detail
    assert tls_server.seen("/image.jpg?t=tls-wrong") == 0


def test_cached_second_run_sends_nothing_to_the_server(link_server, tmp_path):
    urls = [link_server.url(f"/image.jpg?t=cache{i}") for i in range(5)]
    first = local(cache=ProbeCache(tmp_path / "urls.json")).probe_all(urls)
    before = link_server.total()
    second = local(cache=ProbeCache(tmp_path / "urls.json")).probe_all(urls)
    assert link_server.total() == before
    for url in urls:
        assert second[url].from_cache and not first[url].from_cache
        assert second[url].head == first[url].head == JPEG[:4096]
        assert second[url].size == first[url].size


# --------------------------------------------------------------------------------------------
# Address pinning and the SSRF guard (MockTransport: nothing leaves the process)


def test_request_goes_to_the_checked_address_with_the_real_host_name(recorder, resolver):
    recorder.respond = image_response
    result = probe_one(mocked(recorder, resolver), "https://cdn.example.test:8443/a.jpg?v=1")
    assert result.ok
    (request,) = recorder.requests
    assert request.url.host == PUBLIC
    assert request.url.port == 8443 and request.url.raw_path == b"/a.jpg?v=1"
    assert request.headers["host"] == "cdn.example.test:8443"
    assert request.extensions["sni_hostname"] == "cdn.example.test"
    assert request.headers["range"] == "bytes=0-4095"
    assert result.final_url == "https://cdn.example.test:8443/a.jpg?v=1"


class Rebinding:
    """DNS that answers a public address once, then loopback (a rebinding attack)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str) -> list[str]:
        self.calls += 1
        return [PUBLIC] if self.calls == 1 else ["127.0.0.1"]


def test_dns_rebinding_cannot_move_the_connection(recorder):
    resolver = Rebinding()
    recorder.respond = image_response
    urls = ["http://cdn.example.test/a.jpg", "http://cdn.example.test/b.jpg"]
    results = mocked(recorder, resolver).probe_all(urls)
    assert all(results[u].ok for u in urls)
    # The name is looked up once per run and every request goes to the address that was
    # checked; the HTTP stack never gets the chance to resolve it again.
    assert resolver.calls == 1
    assert [r.url.host for r in recorder.requests] == [PUBLIC, PUBLIC]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/a.jpg", "loopback"),
        ("http://10.0.0.1/a.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::1]/a.jpg", "loopback"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "loopback"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://2130706433/a.jpg", "loopback"),
        ("http://0x7f.1/a.jpg", "loopback"),
        ("http://100.64.1.1/a.jpg", "CGNAT"),
        ("http://0.0.0.0/a.jpg", "unspecified"),
        ("https://192.168.1.10:8443/a.jpg", "private"),
    ],
)
def test_private_literal_addresses_are_refused_without_a_request(recorder, resolver, url, reason):
    result = probe_one(mocked(recorder, resolver), url)
    assert result.outcome is Outcome.BLOCKED
    assert result.detail.startswith("refused: ")
    assert reason in result.detail
    assert recorder.requests == []
    assert resolver.calls == []  # a literal address is judged as written, not looked up


def test_a_name_with_any_private_address_is_refused(recorder):
    resolver = FakeResolver({"mixed.example.test": [PUBLIC, "10.1.2.3"]})
    result = probe_one(mocked(recorder, resolver), "http://mixed.example.test/a.jpg")
    assert result.outcome is Outcome.BLOCKED
    assert result.detail == "refused: mixed.example.test resolves to 10.1.2.3, a private address"
    assert recorder.requests == []


def test_redirect_to_loopback_is_refused_at_that_hop(recorder, resolver):
    recorder.respond = lambda request: httpx.Response(302, headers={"Location": "http://127.0.0.1/x"})
    result = probe_one(mocked(recorder, resolver), "http://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.BLOCKED
    assert result.detail == "refused redirect 1 to http://127.0.0.1/x: 127.0.0.1 is a loopback address"
    assert result.redirects == ("http://127.0.0.1/x",)
    assert len(recorder.requests) == 1 and recorder.requests[0].url.host == PUBLIC


def test_redirect_to_a_name_resolving_privately_is_refused(recorder):
    resolver = FakeResolver({"cdn.example.test": [PUBLIC], "intranet.example.test": ["10.0.0.5"]})

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://intranet.example.test/secret.jpg"})

    recorder.respond = respond
    result = probe_one(mocked(recorder, resolver), "https://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.BLOCKED
    assert "intranet.example.test resolves to 10.0.0.5" in result.detail
    assert "redirect 1" in result.detail
    assert [r.headers["host"] for r in recorder.requests] == ["cdn.example.test"]
    assert resolver.calls == ["cdn.example.test", "intranet.example.test"]


def test_allow_private_turns_the_guard_off(recorder):
    recorder.respond = image_response
    prober = UrlProber(allow_private=True, transport=recorder.transport(), resolver=FakeResolver({}))
    result = probe_one(prober, "http://10.0.0.1/a.jpg")
    assert result.ok
    assert recorder.requests[0].url.host == "10.0.0.1"


def test_redirect_to_another_scheme_is_an_invalid_url(recorder, resolver):
    recorder.respond = lambda request: httpx.Response(302, headers={"Location": "ftp://cdn.example.test/a.jpg"})
    result = probe_one(mocked(recorder, resolver), "http://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.INVALID_URL
    assert "unsupported scheme 'ftp'" in result.detail
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "empty URL"),
        ("not a url", "no scheme"),
        ("ftp://cdn.example.test/a.jpg", "unsupported scheme"),
        ("javascript:alert(1)", "unsupported scheme"),
        ("http://", "no host"),
        (" http://cdn.example.test/a.jpg", "whitespace"),
        ("http://cdn.example.test/a\n.jpg", "not a valid URL"),
    ],
)
def test_invalid_urls_become_results_without_a_request(recorder, resolver, url, problem):
    result = probe_one(mocked(recorder, resolver), url)
    assert result.outcome is Outcome.INVALID_URL
    assert problem in result.detail
    assert recorder.requests == [] and resolver.calls == []


def test_non_string_input_gets_a_result(recorder, resolver):
    results = mocked(recorder, resolver).probe_all([None, 42])
    assert list(results) == ["None", "42"]
    assert results["None"].outcome is Outcome.INVALID_URL
    assert results["42"].detail == "not a string (int)"
    assert recorder.requests == []


# --------------------------------------------------------------------------------------------
# Failures, retries and limits


def test_connect_errors_are_retried_on_the_next_address(recorder):
    resolver = FakeResolver({"cdn.example.test": [PUBLIC, "93.184.216.35"]})

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    recorder.respond = refuse
    result = probe_one(mocked(recorder, resolver, retries=2), "http://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.CONNECT_ERROR
    assert "Connection refused" in result.detail and "after 3 attempts" in result.detail
    assert [r.url.host for r in recorder.requests] == [PUBLIC, "93.184.216.35", PUBLIC]


def test_certificate_failure_is_a_tls_error_and_not_retried(recorder, resolver):
    def bad_cert(request: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed: Hostname mismatch")
        except ssl.SSLError as exc:
            raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]") from exc

    recorder.respond = bad_cert
    result = probe_one(mocked(recorder, resolver), "https://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.TLS_ERROR
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (httpx.ReadTimeout("timed out"), Outcome.TIMEOUT),
        (httpx.ConnectTimeout("timed out"), Outcome.TIMEOUT),
        (httpx.RemoteProtocolError("Server disconnected"), Outcome.NETWORK_ERROR),
        (httpx.ReadError("Connection reset by peer"), Outcome.NETWORK_ERROR),
    ],
)
def test_transient_transport_errors_are_retried(recorder, resolver, error, outcome):
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    recorder.respond = fail
    result = probe_one(mocked(recorder, resolver, retries=1), "http://cdn.example.test/a.jpg")
    assert result.outcome is outcome
    assert len(recorder.requests) == 2
    assert not result.definitive


def test_unexpected_exception_becomes_an_error_result(recorder, resolver):
    def crash(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    recorder.respond = crash
    results = mocked(recorder, resolver).probe_all(["http://cdn.example.test/a.jpg", "http://10.0.0.1/"])
    assert results["http://cdn.example.test/a.jpg"].outcome is Outcome.ERROR
    assert "RuntimeError: boom" in results["http://cdn.example.test/a.jpg"].detail
    assert results["http://10.0.0.1/"].outcome is Outcome.BLOCKED


@pytest.mark.parametrize(
    ("table", "text"),
    [({}, "Name or service not known"), ({"cdn.example.test": []}, "no addresses")],
)
def test_resolution_failures_are_dns_errors(recorder, table, text):
    result = probe_one(mocked(recorder, FakeResolver(table), retries=1), "http://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.DNS_ERROR
    assert text in result.detail
    assert recorder.requests == []


def test_resolver_returning_garbage_is_a_dns_error(recorder):
    resolver = FakeResolver({"cdn.example.test": ["not-an-ip"]})
    result = probe_one(mocked(recorder, resolver), "http://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.DNS_ERROR
    assert resolver.calls == ["cdn.example.test"]  # not retried: it will not get better


def test_a_hung_resolver_cannot_hang_the_run(recorder):
    """getaddrinfo cannot be cancelled; the run must end anyway (and not wait for the thread)."""
    release = threading.Event()

    def hung(host: str) -> list[str]:
        release.wait(5.0)
        return [PUBLIC]

    started = time.monotonic()
    try:
        result = probe_one(mocked(recorder, hung, timeout=0.2, retries=1), "http://cdn.example.test/a.jpg")
    finally:
        release.set()
    assert time.monotonic() - started < 1.5
    assert result.outcome is Outcome.DNS_ERROR and "timed out" in result.detail
    assert recorder.requests == []


def test_async_resolver_is_supported(recorder):
    async def resolve(host: str) -> list[str]:
        await asyncio.sleep(0)
        return [PUBLIC]

    recorder.respond = image_response
    prober = UrlProber(transport=recorder.transport(), resolver=resolve)
    assert probe_one(prober, "http://cdn.example.test/a.jpg").ok


def test_retry_after_beyond_the_cap_is_not_waited_for(recorder, resolver):
    recorder.respond = lambda request: httpx.Response(429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = probe_one(mocked(recorder, resolver, retries=3), "http://cdn.example.test/a.jpg")
    assert time.monotonic() - started < 0.5
    assert result.status == 429 and result.outcome is Outcome.HTTP_ERROR
    assert len(recorder.requests) == 1
    assert "asked to wait 3600 s" in result.detail


def test_retry_delay_honours_retry_after_and_backs_off():
    # backoff * 2**attempt, jittered down to half of that at most
    assert 0.125 <= retry_delay(0, 0.25, None) <= 0.25
    assert 0.5 <= retry_delay(2, 0.25, None) <= 1.0
    assert retry_delay(0, 0.01, 2.0) == 2.0
    assert retry_delay(0, 0.01, RETRY_AFTER_CAP + 1) is None


def test_retry_after_parses_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("header", "total"),
    [("bytes 0-4095/123456", 123456), ("bytes */0", 0), ("bytes 0-4095/*", None), ("garbage", None), (None, None)],
)
def test_content_range_total(header, total):
    assert content_range_total(header) == total


def test_concurrency_is_bounded_overall_and_per_host():
    in_flight: dict[str, int] = {}
    peak = {"all": 0}
    peak_host: dict[str, int] = {}

    async def respond(request: httpx.Request) -> httpx.Response:
        host = request.headers["host"]
        in_flight[host] = in_flight.get(host, 0) + 1
        peak_host[host] = max(peak_host.get(host, 0), in_flight[host])
        peak["all"] = max(peak["all"], sum(in_flight.values()))
        await asyncio.sleep(0.02)
        in_flight[host] -= 1
        return httpx.Response(200, content=b"x")

    resolver = FakeResolver({f"h{h}.example.test": [f"93.184.216.{h + 1}"] for h in range(3)})
    prober = mocked(Recorder(), resolver, concurrency=3, per_host=2)
    prober.transport = httpx.MockTransport(respond)
    urls = [f"http://h{h}.example.test/{i}.jpg" for h in range(3) for i in range(6)]
    results = prober.probe_all(urls)
    assert all(r.ok for r in results.values())
    assert peak["all"] == 3
    assert max(peak_host.values()) == 2


def test_duplicates_are_probed_once_and_order_is_kept(recorder, resolver):
    recorder.respond = image_response
    urls = ["http://cdn.example.test/b.jpg", "http://cdn.example.test/a.jpg", "http://cdn.example.test/b.jpg"]
    results = mocked(recorder, resolver).probe_all(urls)
    assert list(results) == ["http://cdn.example.test/b.jpg", "http://cdn.example.test/a.jpg"]
    assert len(recorder.requests) == 2


def test_probe_all_works_inside_a_running_event_loop(recorder, resolver):
    recorder.respond = image_response
    prober = mocked(recorder, resolver)

    async def sender() -> dict[str, ProbeResult]:
        return prober.probe_all(["http://cdn.example.test/a.jpg"])

    assert asyncio.run(sender())["http://cdn.example.test/a.jpg"].ok
    assert asyncio.run(prober.aprobe_all(["http://cdn.example.test/b.jpg"]))["http://cdn.example.test/b.jpg"].ok


def test_empty_input_makes_no_request(recorder, resolver):
    assert mocked(recorder, resolver).probe_all([]) == {}
    assert recorder.requests == []


@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"max_bytes": 0}, {"concurrency": 0}, {"per_host": 0}, {"retries": -1}, {"backoff": -1}],
)
def test_nonsense_configuration_is_refused(options):
    with pytest.raises(ValueError):
        UrlProber(**options)


def test_lanes_separate_tls_names_and_reuse_idle_connections():
    """Two names on one IP must not share a connection verified for the other name."""
    created: list[Recorder] = []

    class Body(httpx.AsyncByteStream):  # a body still to be read, as a real connection has
        async def __aiter__(self):
            yield b"x"

    def make_lane() -> httpx.MockTransport:
        created.append(Recorder(lambda request: httpx.Response(200, stream=Body())))
        return created[-1].transport()

    async def main() -> None:
        lanes = Lanes(make_lane, max_idle=1)
        for sni in ("a.example.test", "b.example.test", "a.example.test"):
            request = httpx.Request("GET", f"https://{PUBLIC}/x", extensions={"sni_hostname": sni})
            response = await lanes.handle_async_request(request)
            await response.aclose()  # hands the lane back
        # Two requests in flight at once need two lanes; only max_idle=1 is kept afterwards.
        first = await lanes.handle_async_request(httpx.Request("GET", f"http://{PUBLIC}/x"))
        second = await lanes.handle_async_request(httpx.Request("GET", f"http://{PUBLIC}/y"))
        await first.aclose()
        await second.aclose()
        assert sum(len(idle) for idle in lanes._idle.values()) == 1
        await lanes.aclose()

    asyncio.run(main())
    assert [len(r.requests) for r in created] == [2, 1, 1, 1]


# --------------------------------------------------------------------------------------------
# Redaction


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/a.jpg?access_token=abc123&w=2", "https://h/a.jpg?access_token=***&w=2"),
        (
            "https://b.s3.amazonaws.com/k.jpg?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef&X-Amz-Expires=60",
            "https://b.s3.amazonaws.com/k.jpg?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60",
        ),
        ("https://a.blob.core.windows.net/c/x.png?sv=2020&sig=xyz%3D", "https://a.blob.core.windows.net/c/x.png?sv=2020&sig=***"),
        ("https://h/x?token=1&signature=2", "https://h/x?token=***&signature=***"),
        ("https://user:hunter2@h/x", "https://user:***@h/x"),
        ("https://h/cb#access_token=t0k&state=s", "https://h/cb#access_token=***&state=s"),
        ("https://h/plain.jpg?v=3", "https://h/plain.jpg?v=3"),
        ("https://h/x?id=EAAGm0PX4ZCpsBAMZC0deadbeefcafe", "https://h/x?id=EAA***"),  # a Meta token
        ("header Bearer abcdefghijklmnop", "header Bearer ***"),
        ("no url here", "no url here"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["access_token", "token", "Signature", "X-Amz-Signature", "sig", "api_key", "client_secret"]),
    secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%_-.~", min_size=6, max_size=40),
    before=st.sampled_from(["", "v=1&", "a=b&c=d&"]),
    after=st.sampled_from(["", "&w=2", "#frag"]),
)
def test_redact_url_never_leaks_a_secret_parameter(name, secret, before, after):
    redacted = redact_url(f"https://cdn.example.test/p/img.jpg?{before}{name}={secret}{after}")
    assert secret not in redacted
    assert f"{name}=***" in redacted


def test_secrets_are_redacted_in_results(recorder, resolver):
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(302, headers={"Location": "/signed.jpg?X-Amz-Signature=S3CR3T"})
        return httpx.Response(404)

    recorder.respond = respond
    url = "http://cdn.example.test/start?access_token=T0K3N"
    result = probe_one(mocked(recorder, resolver), url)
    assert result.url == url  # the caller's key, untouched
    text = repr((result.detail, result.final_url, result.redirects))
    assert "S3CR3T" not in text and "T0K3N" not in text
    assert result.final_url == "http://cdn.example.test/signed.jpg?X-Amz-Signature=***"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.one_of(st.text(max_size=60), st.from_regex(r"https?://[a-z0-9.\[\]:%@-]{0,20}(/[^\s]{0,20})?", fullmatch=True)))
def test_any_input_string_gets_a_result_and_never_raises(url):
    recorder = Recorder(image_response)
    results = mocked(recorder, FakeResolver({}), retries=0).probe_all([url])
    assert set(results) == {url}
    assert isinstance(results[url].outcome, Outcome)
    assert results[url].outcome is not Outcome.ERROR, results[url].detail


# --------------------------------------------------------------------------------------------
# Cache


def cached(recorder: Recorder, cache: ProbeCache, **options) -> UrlProber:
    return mocked(recorder, FakeResolver(), cache=cache, **options)


def test_second_run_within_ttl_makes_zero_requests(tmp_path, recorder):
    recorder.respond = image_response
    urls = [f"http://cdn.example.test/{i}.jpg" for i in range(10)]
    first = cached(recorder, ProbeCache(tmp_path / "urls.json")).probe_all(urls)
    assert len(recorder.requests) == 10
    second = cached(recorder, ProbeCache(tmp_path / "urls.json")).probe_all(urls)
    assert len(recorder.requests) == 10
    for url in urls:
        assert second[url].from_cache
        assert (second[url].status, second[url].head, second[url].size, second[url].content_type) == (
            first[url].status, first[url].head, first[url].size, first[url].content_type
        )


def test_entries_expire_after_the_ttl(tmp_path, recorder):
    recorder.respond = image_response
    now = [1_000_000.0]
    cache = lambda: ProbeCache(tmp_path / "urls.json", ttl=60, clock=lambda: now[0])  # noqa: E731
    cached(recorder, cache()).probe_all(["http://cdn.example.test/a.jpg"])
    now[0] += 59
    assert cached(recorder, cache()).probe_all(["http://cdn.example.test/a.jpg"])["http://cdn.example.test/a.jpg"].from_cache
    assert len(recorder.requests) == 1
    now[0] += 2
    assert not cached(recorder, cache()).probe_all(["http://cdn.example.test/a.jpg"])["http://cdn.example.test/a.jpg"].from_cache
    assert len(recorder.requests) == 2


def test_transient_failures_and_refusals_are_not_cached(tmp_path, recorder):
    recorder.respond = lambda request: httpx.Response(503)
    urls = ["http://cdn.example.test/a.jpg", "http://10.0.0.1/b.jpg"]
    for _ in range(2):
        cached(recorder, ProbeCache(tmp_path / "urls.json"), retries=0).probe_all(urls)
    assert len(recorder.requests) == 2
    assert not (tmp_path / "urls.json").exists()


def test_definitive_errors_are_cached(tmp_path, recorder):
    recorder.respond = lambda request: httpx.Response(404)
    for _ in range(2):
        result = probe_one(cached(recorder, ProbeCache(tmp_path / "urls.json")), "http://cdn.example.test/gone.jpg")
    assert result.status == 404 and result.from_cache
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xffnot json at all",
        b"[]",
        b'{"version": 1, "entries": []}',
        b'{"version": 99, "entries": {}}',
        b'{"version": 1, "entries": {"x": {"checked_at": "yesterday"}}}',
        b'{"version": 1, "entries": {"x": {"checked_at": 1e300}}}',
        b'{"version": 1, "entri',
    ],
)
def test_corrupt_cache_file_is_ignored_and_replaced(tmp_path, recorder, content):
    path = tmp_path / "urls.json"
    path.write_bytes(content)
    recorder.respond = image_response
    result = probe_one(cached(recorder, ProbeCache(path)), "http://cdn.example.test/a.jpg")
    assert result.ok and not result.from_cache
    data = json.loads(path.read_text())
    assert data["version"] == 1 and len(data["entries"]) == 1


def test_malformed_entry_for_the_url_is_a_miss(tmp_path, recorder):
    path = tmp_path / "urls.json"
    recorder.respond = image_response
    url = "http://cdn.example.test/a.jpg"
    cached(recorder, ProbeCache(path)).probe_all([url])
    data = orjson.loads(path.read_bytes())
    (entry,) = data["entries"].values()
    entry["result"]["status"] = "two hundred"
    entry["result"]["head"] = "!!!not base64"
    path.write_bytes(orjson.dumps(data))
    assert not probe_one(cached(recorder, ProbeCache(path)), url).from_cache
    assert len(recorder.requests) == 2


def test_permissive_entries_are_not_reused_by_a_guarded_prober(tmp_path, recorder):
    recorder.respond = image_response
    path = tmp_path / "urls.json"
    permissive = UrlProber(allow_private=True, transport=recorder.transport(), cache=ProbeCache(path))
    assert probe_one(permissive, "http://10.0.0.1/a.jpg").ok
    guarded = cached(recorder, ProbeCache(path))
    assert probe_one(guarded, "http://10.0.0.1/a.jpg").outcome is Outcome.BLOCKED


def test_entry_with_a_shorter_head_is_a_miss_for_a_larger_max_bytes(tmp_path, recorder):
    recorder.respond = image_response
    path = tmp_path / "urls.json"
    url = "http://cdn.example.test/a.jpg"
    probe_one(cached(recorder, ProbeCache(path), max_bytes=1024), url)
    assert probe_one(cached(recorder, ProbeCache(path), max_bytes=512), url).from_cache
    assert not probe_one(cached(recorder, ProbeCache(path), max_bytes=4096), url).from_cache
    assert len(recorder.requests) == 2


def test_cache_file_holds_no_secret(tmp_path, recorder):
    recorder.respond = image_response
    path = tmp_path / "urls.json"
    url = "http://cdn.example.test/a.jpg?access_token=T0PS3CR3T"
    probe_one(cached(recorder, ProbeCache(path)), url)
    assert b"T0PS3CR3T" not in path.read_bytes()
    assert probe_one(cached(recorder, ProbeCache(path)), url).from_cache
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_default_path_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert ProbeCache().path == tmp_path / "walint" / "urls.json"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the XDG spec
    assert ProbeCache().path == Path.home() / ".cache" / "walint" / "urls.json"


def test_unwritable_cache_is_not_an_error(tmp_path, recorder):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    recorder.respond = image_response
    result = probe_one(cached(recorder, ProbeCache(blocker / "urls.json")), "http://cdn.example.test/a.jpg")
    assert result.ok


def _entry(url: str) -> ProbeResult:
    return ProbeResult(url=url, outcome=Outcome.OK, detail="HTTP 200", status=200, head=b"GIF89a", size=6)


def test_concurrent_threads_saving_keep_a_valid_file_with_every_entry(tmp_path):
    path = tmp_path / "urls.json"
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        cache = ProbeCache(path)
        barrier.wait()
        for batch in range(4):
            for i in range(5):
                cache.put(_entry(f"https://h/{n}/{batch}/{i}"), max_bytes=4096, allow_private=False)
            cache.save()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh = ProbeCache(path)
    assert len(orjson.loads(path.read_bytes())["entries"]) == 8 * 4 * 5
    assert fresh.get("https://h/7/3/4").head == b"GIF89a"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_one_cache_shared_by_threads_keeps_every_entry(tmp_path):
    cache = ProbeCache(tmp_path / "urls.json")

    def writer(n: int) -> None:
        for i in range(20):
            cache.put(_entry(f"https://h/{n}/{i}"), max_bytes=4096, allow_private=False)
            if i % 5 == 4:
                cache.save()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(orjson.loads((tmp_path / "urls.json").read_bytes())["entries"]) == 6 * 20


_WRITER = """
import sys
from validator.net import Outcome, ProbeCache, ProbeResult
path, n = sys.argv[1], sys.argv[2]
cache = ProbeCache(path)
for batch in range(5):
    for i in range(10):
        url = f"https://h/{n}/{batch}/{i}"
        cache.put(ProbeResult(url=url, outcome=Outcome.OK, detail="HTTP 200", status=200),
                  max_bytes=4096, allow_private=False)
    cache.save()
"""


def test_concurrent_processes_saving_keep_a_valid_file_with_every_entry(tmp_path):
    path = tmp_path / "urls.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n)], env=env, stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err.decode()
    entries = orjson.loads(path.read_bytes())["entries"]
    assert len(entries) == 4 * 5 * 10
    assert ProbeCache(path).get("https://h/3/4/9").status == 200


def test_a_name_that_does_not_exist_is_not_asked_again(recorder):
    """NXDOMAIN is an answer, not a hiccup; other resolver failures are retried."""
    calls = []

    def resolver(host):
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = probe_one(mocked(recorder, resolver, retries=2), "http://cdn.example.test/a.jpg")
    assert result.outcome is Outcome.DNS_ERROR and not result.definitive
    assert "Name or service not known" in result.detail and calls == ["cdn.example.test"]

    calls.clear()

    def flaky(host):
        calls.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    probe_one(mocked(recorder, flaky, retries=2, backoff=0.0), "http://cdn.example.test/a.jpg")
    assert len(calls) == 3
