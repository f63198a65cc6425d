"""``walint registry pull`` against a fake Graph API the tests run on 127.0.0.1.

Paging, each Graph error explained in one line, atomic writes (an interrupted pull leaves the
old registry intact), the token never in output, errors or the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from validator import registry_sync
from validator.registry_sync import SyncError, render_registry, write_registry

from .conftest import clean_env, walint

TOKEN = "EAAGtestSECRETtoken0123456789abcdef"
WABA = "102290129340398"
OLD = "templates:\n  - {name: old_one, language: en_US, status: APPROVED}\n"


def template(name, language="en_US", status="APPROVED", **extra):
    return {"components": [{"text": f"Hi {{{{1}}}} from {name}", "type": "BODY",
                            "example": {"body_text": [["Ana"]]}}],
            "status": status, "language": language, "name": name, "id": str(1000 + sum(map(ord, name + language))),
            "category": "UTILITY", **extra}


PAGES = [
    [template("zeta"), template("alpha", "es")],
    [template("alpha", "en_US", components=[
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Line one {{1}}\nLine two {{2}}"},
        {"type": "BUTTONS", "buttons": [{"url": "https://x.test/{{1}}", "text": "Go", "type": "URL"}]}])],
    [template("mid", status="PAUSED")],
]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client killed mid-request (the interruption tests) is expected


class Graph:
    """What the fake server does and what it saw."""

    def __init__(self) -> None:
        self.pages = PAGES
        self.error: tuple[int, object] | None = None
        self.error_on_page: int | None = None
        self.next_base: str | None = None
        self.stall_on_page: int | None = None
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.requests: list[tuple[str, dict, str | None]] = []
        self.base = ""


def _handler(graph: Graph):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send(self, status, body):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            graph.requests.append((parts.path, query, self.headers.get("Authorization")))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.send(401, {"error": {"code": 190, "type": "OAuthException",
                                                 "message": "Invalid OAuth access token."}})
            if parts.path != f"/v23.0/{WABA}/message_templates":
                return self.send(404, {"error": {"code": 100, "message": "Unknown path"}})
            page = int(query.get("after", ["0"])[0])
            if graph.stall_on_page == page:
                graph.stalled.set()
                graph.release.wait(30)
            if graph.error is not None and (graph.error_on_page in (None, page)):
                return self.send(*graph.error)
            body = {"data": graph.pages[page],
                    "paging": {"cursors": {"before": "b", "after": str(page + 1)}}}
            if page + 1 < len(graph.pages):
                base = graph.next_base or graph.base
                # Graph repeats the query, token included when one was sent as a parameter.
                body["paging"]["next"] = (f"{base}/v23.0/{WABA}/message_templates?fields=name"
                                          f"&limit=2&after={page + 1}&access_token={TOKEN}")
            return self.send(200, body)

    return Handler


@pytest.fixture
def graph():
    state = Graph()
    server = QuietServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def pull(graph, cwd, *args, token=TOKEN):
    env = clean_env(**({"WHATSAPP_TOKEN": token} if token is not None else {}))
    result = walint("registry", "pull", "--waba-id", WABA, "--api-base", graph.base, *args,
                    cwd=cwd, env=env, timeout=60)
    for stream in (result.stdout, result.stderr):
        assert TOKEN.encode() not in stream
    return result


def test_follows_every_page_and_writes_a_sorted_stable_registry(graph, tmp_path):
    result = pull(graph, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().strip() == ("walint: wrote 4 templates (3 approved) from 3 pages "
                                              "to templates_registry.yaml")
    text = (tmp_path / "templates_registry.yaml").read_text()
    assert TOKEN not in text
    assert text.startswith(f"# walint template registry: the templates of WABA {WABA}")
    entries = yaml.safe_load(text)["templates"]
    assert [(t["name"], t["language"]) for t in entries] == [
        ("alpha", "en_US"), ("alpha", "es"), ("mid", "en_US"), ("zeta", "en_US")]
    assert list(entries[0]) == ["name", "language", "status", "category", "id", "components"]
    assert list(entries[0]["components"][2]) == ["type", "buttons"]
    assert list(entries[0]["components"][2]["buttons"][0]) == ["type", "text", "url"]
    assert "    text: |-\n      Line one {{1}}\n      Line two {{2}}\n" in text
    # Every page carried the token in the header only, never in the URL.
    assert len(graph.requests) == 3
    assert all(auth == f"Bearer {TOKEN}" and "access_token" not in query
               for _, query, auth in graph.requests)
    assert [q.get("after") for _, q, _ in graph.requests] == [None, ["1"], ["2"]]
    # Pulling again gives the same bytes: diffs show only real changes.
    assert pull(graph, tmp_path).returncode == 0
    assert (tmp_path / "templates_registry.yaml").read_text() == text
    # ... and the result is a registry walint reads.
    check = walint("check", "--registry", "templates_registry.yaml", "-", cwd=tmp_path,
                   stdin=b'{"messaging_product": "whatsapp", "to": "+447911123456", "type": '
                         b'"template", "template": {"name": "mid", "language": {"code": "en_US"}}}\n')
    assert check.returncode == 1 and b"mid/en_US is PAUSED" in check.stdout


def test_output_option_and_configured_registry(graph, tmp_path):
    assert pull(graph, tmp_path, "--output", "regs/pulled.yaml").returncode == 2  # no such folder
    (tmp_path / "regs").mkdir()
    assert pull(graph, tmp_path, "--output", "regs/pulled.yaml").returncode == 0
    assert (tmp_path / "regs" / "pulled.yaml").is_file()
    (tmp_path / "walint.toml").write_text('registry = "regs/configured.yaml"\n')
    (tmp_path / "sub").mkdir()
    assert pull(graph, tmp_path / "sub").returncode == 0
    assert (tmp_path / "regs" / "configured.yaml").is_file()


GRAPH_ERRORS = [
    (190, 401, "Graph API error 190 (HTTP 401): the token in WHATSAPP_TOKEN is invalid or has expired"),
    (10, 403, "Graph API error 10 (HTTP 403): permission denied: the token needs whatsapp_business_management"),
    (200, 403, "Graph API error 200 (HTTP 403): permission denied"),
    (294, 403, "Graph API error 294 (HTTP 403): permission denied"),
    (4, 400, "Graph API error 4 (HTTP 400): the app hit its Graph API call-rate limit"),
    (80007, 429, "Graph API error 80007 (HTTP 429): this WhatsApp Business Account hit its Graph API rate limit"),
    (100, 400, "Graph API error 100 (HTTP 400): invalid parameter: check --waba-id"),
]


@pytest.mark.parametrize(("code", "status", "expected"), GRAPH_ERRORS)
def test_graph_errors_are_explained_in_one_line(graph, tmp_path, code, status, expected):
    (tmp_path / "templates_registry.yaml").write_text(OLD)
    graph.error = (status, {"error": {"code": code, "type": "OAuthException", "fbtrace_id": "Ax",
                                      "message": f"(#{code}) something; token {TOKEN} rejected"}})
    result = pull(graph, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"walint: error: {expected}"), lines
    assert "***" in lines[0]  # Meta's own text is quoted, with the token redacted
    assert (tmp_path / "templates_registry.yaml").read_text() == OLD


def test_an_error_on_a_later_page_leaves_the_old_registry(graph, tmp_path):
    (tmp_path / "templates_registry.yaml").write_text(OLD)
    graph.error, graph.error_on_page = (400, {"error": {"code": 80007, "message": "slow down"}}), 2
    result = pull(graph, tmp_path)
    assert result.returncode == 2 and b"80007" in result.stderr
    assert (tmp_path / "templates_registry.yaml").read_text() == OLD
    assert len(graph.requests) == 3


def test_a_killed_pull_leaves_the_old_registry_intact(graph, tmp_path):
    (tmp_path / "templates_registry.yaml").write_text(OLD)
    graph.stall_on_page = 1
    process = subprocess.Popen(
        [sys.executable, "-m", "validator", "registry", "pull", "--waba-id", WABA,
         "--api-base", graph.base], cwd=tmp_path, env=clean_env(WHATSAPP_TOKEN=TOKEN),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert graph.stalled.wait(60), "the pull never reached page 2"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        graph.release.set()
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert (tmp_path / "templates_registry.yaml").read_text() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["templates_registry.yaml"]


@contextlib.contextmanager
def _interruptible_children():
    """Children started meanwhile take Ctrl-C as from a terminal. A test run started as a
    background job of a shell without job control (``pytest &`` in a script) has SIGINT
    ignored, which children inherit across ``exec``: Python then installs no
    KeyboardInterrupt handler, and the interrupted pull would run on."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_interrupted_ctrl_c_pull_leaves_the_old_registry(graph, tmp_path):
    (tmp_path / "templates_registry.yaml").write_text(OLD)
    graph.stall_on_page = 2
    with _interruptible_children():
        process = subprocess.Popen(
            [sys.executable, "-m", "validator", "registry", "pull", "--waba-id", WABA,
             "--api-base", graph.base], cwd=tmp_path, env=clean_env(WHATSAPP_TOKEN=TOKEN),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert graph.stalled.wait(60)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        graph.release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0 and TOKEN.encode() not in err
    assert (tmp_path / "templates_registry.yaml").read_text() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["templates_registry.yaml"]


def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "templates_registry.yaml"
    target.write_text(OLD)
    new = render_registry([template("fresh")])

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(registry_sync.os, "replace", broken_replace)
    with pytest.raises(SyncError, match="No space left on device"):
        write_registry(target, new)
    assert target.read_text() == OLD and [p.name for p in tmp_path.iterdir()] == [target.name]
    monkeypatch.undo()

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry_sync.os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_registry(target, new)
    assert target.read_text() == OLD and [p.name for p in tmp_path.iterdir()] == [target.name]
    monkeypatch.undo()
    write_registry(target, new)
    assert target.read_text() == new


def test_the_written_file_keeps_the_old_permissions(tmp_path):
    target = tmp_path / "r.yaml"
    target.write_text(OLD)
    os.chmod(target, 0o640)
    write_registry(target, "templates: []\n")
    assert (os.stat(target).st_mode & 0o777) == 0o640


def test_paging_to_another_host_is_refused_and_gets_no_token(graph, tmp_path):
    other = Graph()
    server = QuietServer(("127.0.0.1", 0), _handler(other))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        graph.next_base = f"http://127.0.0.1:{server.server_address[1]}"
        result = pull(graph, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 2 and b"points to another host" in result.stderr
    assert other.requests == [] and not (tmp_path / "templates_registry.yaml").exists()


@pytest.mark.parametrize(("args", "token", "expected"), [
    ([], None, "WHATSAPP_TOKEN is not set"),
    (["--api-version", "23"], TOKEN, "--api-version '23' is not a Graph API version"),
])
def test_usage_mistakes(graph, tmp_path, args, token, expected):
    result = pull(graph, tmp_path, *args, token=token)
    assert result.returncode == 2 and expected in result.stderr.decode()
    assert graph.requests == []


def test_bad_waba_id_and_plain_http_elsewhere_are_refused(tmp_path):
    env = clean_env(WHATSAPP_TOKEN=TOKEN)
    bad_id = walint("registry", "pull", "--waba-id", "12/../x", cwd=tmp_path, env=env)
    assert bad_id.returncode == 2 and b"is not a WhatsApp Business Account ID" in bad_id.stderr
    plain = walint("registry", "pull", "--waba-id", WABA, "--api-base", "http://graph.example.com",
                   cwd=tmp_path, env=env)
    assert plain.returncode == 2 and b"plain http" in plain.stderr


def test_unreachable_api_and_non_json_answers(graph, tmp_path):
    graph.error = (502, b"<html>Bad gateway</html>")
    result = pull(graph, tmp_path)
    assert result.returncode == 2 and b"unexpected answer: HTTP 502, not JSON" in result.stderr
    closed = walint("registry", "pull", "--waba-id", WABA, "--api-base", "http://127.0.0.1:9",
                    "--timeout", "5", cwd=tmp_path, env=clean_env(WHATSAPP_TOKEN=TOKEN))
    assert closed.returncode == 2 and b"cannot reach http://127.0.0.1:9" in closed.stderr
    assert TOKEN.encode() not in closed.stderr


def test_templates_walint_cannot_read_are_not_written(graph, tmp_path):
    (tmp_path / "templates_registry.yaml").write_text(OLD)
    graph.pages = [[{"name": "no_status", "language": "en_US", "components": []}]]
    result = pull(graph, tmp_path)
    assert result.returncode == 2 and b"left unchanged" in result.stderr
    assert (tmp_path / "templates_registry.yaml").read_text() == OLD
