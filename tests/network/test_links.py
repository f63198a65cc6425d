"""The link rules end to end: one request per distinct URL, findings on every message, the
summary's link counts, --offline, the SSRF guard and the cache through the real command.

The rule-by-rule verdicts are data (tests/rules/cases/WA50x.yaml, run by test_link_cases.py);
this file holds what data cannot say. Everything runs against the real HTTP server on
127.0.0.1 (``link_server``) except the redirect to a private address, which needs a "public"
first hop: that one goes through ``httpx.MockTransport`` and a fake resolver.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rules._links
from validator import Validator
from validator.engine import Engine, _Run
from validator.findings import Summary
from validator.loader import messages_from_payloads
from validator.net import SignedExpiry, UrlProber, signed_expiry
from validator.reporters.text import format_summary
from validator.rule import Problem, Rule, Scope
from validator.settings import Settings

from ..conftest import ROOT, run_walint, write_jsonl
from .conftest import FakeResolver, Recorder

REGISTRY = ROOT / "tests" / "rules" / "registry.yaml"
ONLINE = Settings.build(offline=False, allow_private_urls=True, no_cache=True, url_timeout=2.0)


def image(link: str, to: str = "+447911123456") -> dict:
    return {"messaging_product": "whatsapp", "to": to, "type": "image", "image": {"link": link}}


def unique_path(request, name: str) -> str:
    """A path on the shared server that no other test asks for, so hit counts are ours."""
    return f"/file/image.jpg/{request.node.name}-{name}.jpg?type=image/jpeg"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Library runs that use the cache write it here, never to the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_the_same_url_in_three_messages_is_requested_once_and_reported_on_all_three(link_server):
    link = link_server.url("/file/sticker_static.webp/shared-by-three.webp?type=image/webp")
    payloads = [image(link, to) for to in ("+447911123456", "+447911123457", "+447911123458")]
    report = Validator(REGISTRY, settings=ONLINE, plugins=False).validate(payloads)
    wa504 = [f for f in report.findings if f.rule == "WA504"]
    assert [f.index for f in wa504] == [0, 1, 2]
    assert link_server.seen("/file/sticker_static.webp/shared-by-three.webp?type=image/webp") == 1
    assert report.summary.links_checked == 1 and report.summary.links_skipped == 0
    assert report.summary.failed == 3


def test_every_link_rule_shares_one_probe_per_url(link_server, request):
    path = unique_path(request, "one")
    selected = Validator(REGISTRY, settings=ONLINE.replace(select=["WA5"]), plugins=False)
    selected.validate([image(link_server.url(path))] * 2)
    assert link_server.seen(path) == 1


def test_a_clean_link_passes_every_link_rule(link_server, request):
    report = Validator(REGISTRY, settings=ONLINE, plugins=False).validate(
        [image(link_server.url(unique_path(request, "ok")))])
    assert [f for f in report.findings if f.rule.startswith("WA5")] == []
    assert report.summary.links_checked == 1


def test_offline_makes_no_request_and_counts_links_as_skipped(link_server, request):
    path = unique_path(request, "offline")
    payloads = [image(link_server.url(path)), image(link_server.url(path), "+447911123457"),
                image(link_server.url("/status/404"), "+447911123458")]
    report = Validator(REGISTRY, settings=ONLINE.replace(offline=True), plugins=False).validate(payloads)
    assert link_server.seen(path) == 0
    assert report.summary.links_skipped == 2 and report.summary.links_checked == 0
    assert not [f for f in report.findings if f.rule in ("WA501", "WA504")]


def test_the_library_is_offline_by_default_and_says_how_many_links_it_skipped(link_server):
    report = Validator(REGISTRY, plugins=False).validate([image(link_server.url("/status/404"))])
    assert report.summary.links_skipped == 1 and report.findings == []


def test_a_validator_checks_the_links_of_every_call_though_it_reads_them_through_skeletons(
        link_server, monkeypatch):
    """A sender's Validator keeps the skeletons of the payloads it has checked; a later call
    read through one (a ``FirstSight``) still has its links probed and reported."""
    line = (ROOT / "examples" / "campaign.jsonl").read_text(encoding="utf-8").splitlines()[0]
    payload = json.loads(line)  # order_update/en_US with an image header
    header = payload["template"]["components"][0]["parameters"][0]
    header["image"]["link"] = link_server.url("/status/404")
    validator = Validator(REGISTRY, settings=ONLINE, plugins=False)
    other = json.loads(json.dumps(payload))
    other["to"] = "+447911123457"  # the same skeleton
    read = []
    first_sight = _Run.first_sight
    monkeypatch.setattr(_Run, "first_sight", lambda run, file, lines: (
        read.extend(lines), first_sight(run, file, lines)))
    for batch in ([payload], [other], [payload, other]):
        report = validator.validate(batch)
        broken = [f.index for f in report.findings if f.rule == "WA501"]
        assert broken == list(range(len(batch))), report.findings
        assert report.summary.links_checked == 1
    assert len(read) == 2  # the first payload of each later call: through the skeleton


def test_a_redirect_from_a_public_host_to_loopback_is_blocked_without_a_request(monkeypatch):
    """The guard runs at every hop: the first is "public" (fake resolver, MockTransport)."""
    recorder = Recorder(lambda request: httpx.Response(
        302, headers={"Location": "http://127.0.0.1:8080/admin.jpg"}))
    resolver = FakeResolver()

    def prober(settings):
        return UrlProber(transport=recorder.transport(), resolver=resolver, retries=0)

    monkeypatch.setattr(rules._links, "make_prober", prober)
    settings = Settings.build(offline=False, no_cache=True)
    report = Validator(REGISTRY, settings=settings, plugins=False).validate(
        [image("https://cdn.example.test/promo.jpg")])
    (blocked,) = [f for f in report.findings if f.rule == "WA507"]
    assert "refused redirect 1 to http://127.0.0.1:8080/admin.jpg" in blocked.message
    assert "127.0.0.1 is a loopback address" in blocked.message
    assert blocked.severity == "error" and blocked.api_error == 131053
    assert [str(r.url.host) for r in recorder.requests] == ["93.184.216.34"]


def test_engine_counts_shared_url_collections_once_and_separate_ones_as_a_union():
    shared: dict[str, None] = {}

    class Collects(Rule):
        """Collects the link of every text message (a network rule for tests)."""

        code, name, scope = "XN001", "collects", Scope.NETWORK
        own: dict[str, None] | None = None

        def observe(self, message, ctx):
            target = shared if self.own is None else self.own
            target[message.payload["text"]["body"]] = None

        def urls(self, ctx):
            return shared if self.own is None else self.own

        def finish(self, ctx):
            yield Problem("", "finished")

    class Other(Collects):
        """Its own collection (a network rule for tests)."""

        code, name = "XN002", "other"

    other = Other()
    other.own = {}
    payloads = [{"messaging_product": "whatsapp", "to": "+447911123456", "type": "text",
                 "text": {"body": body}} for body in ("https://a/1", "https://a/2", "https://a/1")]
    for offline in (True, False):
        shared.clear()
        other.own.clear()
        rules = [Collects(), Collects(), other]
        report = Engine(rules, None, offline=offline).run([("f", messages_from_payloads(payloads, "f"))])
        assert (report.summary.links_skipped, report.summary.links_checked) == ((2, 0) if offline else (0, 2))
        assert any(f.message == "finished" for f in report.findings) is not offline


def test_text_summary_mentions_links():
    checked = Summary(files=1, messages=2, passed=2, links_checked=3)
    assert format_summary_for(checked).endswith("; 3 links checked")
    skipped = Summary(files=1, messages=2, passed=2, links_skipped=1)
    assert format_summary_for(skipped).endswith("; 1 link not checked (offline)")
    assert "link" not in format_summary_for(Summary(files=1, messages=2, passed=2))


def format_summary_for(summary: Summary) -> str:
    from validator.findings import Report

    return format_summary(Report(summary=summary, findings=[]))


# -- the command line --------------------------------------------------------------------------

def campaign(tmp_path, link_server, request):
    ok = link_server.url(unique_path(request, "ok"))
    return write_jsonl(tmp_path / "campaign.jsonl", [
        image(ok),
        image(link_server.url("/sticker.webp"), "+447911123457"),
        image(link_server.url("/status/404"), "+447911123458"),
        image(ok, "+447911123459"),
    ]), ok


def test_cli_checks_links_by_default_and_maps_findings_to_their_lines(tmp_path, link_server, request):
    path, ok = campaign(tmp_path, link_server, request)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = run_walint("check", "--allow-private-urls", "--format", "json", str(path), env=env)
    assert result.returncode == 1, result.stderr.decode()
    report = json.loads(result.stdout)
    found = {(f["line"], f["rule"]) for f in report["findings"] if f["rule"].startswith("WA5")}
    assert found == {(2, "WA504"), (3, "WA501")}
    assert report["summary"]["links_checked"] == 3 and report["summary"]["links_skipped"] == 0
    hits = link_server.seen(ok.removeprefix(link_server.base))
    assert hits == 1

    # A second run within the TTL asks the server nothing: every answer comes from the cache.
    before = link_server.total()
    again = run_walint("check", "--allow-private-urls", "--format", "json", str(path), env=env)
    assert json.loads(again.stdout)["findings"] == report["findings"]
    assert link_server.total() == before
    # --no-cache asks again.
    run_walint("check", "--allow-private-urls", "--no-cache", str(path), env=env)
    assert link_server.seen(ok.removeprefix(link_server.base)) == 2


def test_cli_offline_makes_zero_requests_and_says_links_were_skipped(tmp_path, link_server, request):
    path, _ = campaign(tmp_path, link_server, request)
    before = link_server.total()
    result = run_walint("check", "--offline", "--allow-private-urls", str(path),
                        env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stdout.decode()
    assert link_server.total() == before
    assert result.stdout.decode().strip().endswith("; 3 links not checked (offline)")


def test_cli_without_allow_private_urls_blocks_the_local_server_and_sends_nothing(
        tmp_path, link_server, request):
    path, _ = campaign(tmp_path, link_server, request)
    before = link_server.total()
    result = run_walint("check", "--format", "json", str(path),
                        env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 1
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"].startswith("WA5")]
    assert {f["rule"] for f in findings} == {"WA507"} and len(findings) == 4
    assert "127.0.0.1 is a loopback address" in findings[0]["message"]
    assert link_server.total() == before


# -- signed links ---------------------------------------------------------------------------------

UTC = timezone.utc


@pytest.mark.parametrize(("url", "expected"), [
    ("https://b.s3.amazonaws.com/a.pdf?X-Amz-Date=20260503T100000Z&X-Amz-Expires=3600&X-Amz-Signature=ab",
     SignedExpiry("AWS Signature V4", datetime(2026, 5, 3, 11, tzinfo=UTC))),
    ("https://b.s3.amazonaws.com/a.pdf?x-amz-date=20260503T100000Z&x-amz-expires=60",
     SignedExpiry("AWS Signature V4", datetime(2026, 5, 3, 10, 1, tzinfo=UTC))),
    ("https://b.s3.amazonaws.com/a.pdf?X-Amz-Expires=3600&X-Amz-Signature=ab",
     SignedExpiry("AWS Signature V4", None)),
    ("https://storage.googleapis.com/b/a?X-Goog-Date=20260503T100000Z&X-Goog-Expires=900",
     SignedExpiry("Google Cloud Storage V4", datetime(2026, 5, 3, 10, 15, tzinfo=UTC))),
    ("https://storage.googleapis.com/b/a?GoogleAccessId=x&Expires=1777885200&Signature=ab",
     SignedExpiry("Google Cloud Storage V2", datetime(2026, 5, 4, 9, tzinfo=UTC))),
    ("https://b.s3.amazonaws.com/a?AWSAccessKeyId=AK&Expires=1777885200&Signature=ab",
     SignedExpiry("AWS Signature V2", datetime(2026, 5, 4, 9, tzinfo=UTC))),
    ("https://d.cloudfront.net/a?Expires=1777885200&Signature=ab~&Key-Pair-Id=K2",
     SignedExpiry("CloudFront signed URL", datetime(2026, 5, 4, 9, tzinfo=UTC))),
    ("https://a.blob.core.windows.net/c/a.jpg?sv=2022-11-02&se=2026-05-04T09%3A30%3A00Z&sig=x%3D",
     SignedExpiry("Azure SAS", datetime(2026, 5, 4, 9, 30, tzinfo=UTC))),
    ("https://a.blob.core.windows.net/c/a.jpg?se=soon&sig=x", SignedExpiry("Azure SAS", None)),
    ("https://cdn.example.com/a.jpg?v=3", None),
    ("https://cdn.example.com/a.jpg?Expires=1777885200", None),  # no signature: not a signed link
    ("https://cdn.example.com/a.jpg?se=2026-05-04", None),
    ("not a url at all", None),
])
def test_signed_expiry(url, expected):
    assert signed_expiry(url) == expected


def test_cloudfront_custom_policy_expiry_is_read_from_the_policy():
    import base64

    policy = json.dumps({"Statement": [{"Resource": "https://d.cloudfront.net/*",
                                        "Condition": {"DateLessThan": {"AWS:EpochTime": 1777885200}}}]})
    encoded = base64.b64encode(policy.encode()).decode().translate(str.maketrans("+=/", "-_~"))
    url = f"https://d.cloudfront.net/a.jpg?Policy={encoded}&Signature=ab~&Key-Pair-Id=K2"
    assert signed_expiry(url) == SignedExpiry("CloudFront signed URL", datetime(2026, 5, 4, 9, tzinfo=UTC))
    assert signed_expiry(url.replace(encoded, "bm90IGpzb24")).expires_at is None


def test_one_url_used_as_two_kinds_is_fetched_once_and_judged_per_use(link_server):
    path = "/file/document.pdf/two-kinds.pdf?type=application/pdf"
    link = link_server.url(path)
    document = {"messaging_product": "whatsapp", "to": "+447911123457", "type": "document",
                "document": {"link": link, "filename": "a.pdf"}}
    report = Validator(REGISTRY, settings=ONLINE, plugins=False).validate([image(link), document])
    assert [(f.index, f.rule) for f in report.findings if f.rule.startswith("WA5")] == [(0, "WA504")]
    assert link_server.seen(path) == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4)
    | st.sampled_from(["image", "document", "header", "carousel", "https://a.test/x.jpg", "IMAGE"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "image", "document", "audio", "link", "voice", "header", "name",
                         "language", "code", "components", "parameters", "cards"]), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=_JSON, kind=st.sampled_from(["image", "audio", "interactive", "template"]))
def test_odd_payloads_never_crash_the_link_collector(content, kind):
    from rules._links import media_links
    from validator import load_registry

    registry = load_registry(REGISTRY)
    for payload in (content, {kind: content}):
        for url, use in media_links(payload, kind, registry):
            assert url.startswith("https://") and use.kind in ("image", "video", "audio", "document", "sticker")
