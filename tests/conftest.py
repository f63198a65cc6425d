"""Shared test helpers: paths, the test registry and a way to run the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
RULE_REGISTRY = TESTS / "rules" / "registry.yaml"


def run_walint(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None,
               env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed entry point as a user would (a real process, real exit code)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "validator", *args], input=data,
                          capture_output=True, cwd=cwd or ROOT, timeout=120,
                          env={**os.environ, **(env or {})})


def write_jsonl(path: Path, payloads: list) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads), encoding="utf-8")
    return path


@pytest.fixture
def walint():
    return run_walint


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory):
    """The tests (and the commands they run) keep walint's caches in a folder of their own,
    never in the ``~/.cache`` of whoever runs them."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before
