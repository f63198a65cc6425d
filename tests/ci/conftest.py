"""Helpers for the CI-integration tests: a clean environment and the real command."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from ..conftest import ROOT, write_jsonl

REGISTRY = ROOT / "templates_registry.yaml"
HERE = Path(__file__).resolve().parent

GOOD = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}}}
BAD = {"messaging_product": "whatsapp", "to": "+447911123457", "type": "template",
       "template": {"name": "hello_world", "language": {"code": "en"}}}
#: A warning only (WA302): passes, exit 0.
WARNED = dict(GOOD, to="+44 7911 123458")


_RECIPIENTS = itertools.count()


def many(payload: dict, count: int) -> list[dict]:
    """``count`` copies of ``payload``, each to a recipient no other call gave out (so that
    campaign rules — duplicates, pair rate — have nothing to say about them)."""
    spaced = " " in payload["to"]
    return [dict(payload, to=("+44 7911 2" if spaced else "+4479112") + f"{next(_RECIPIENTS):05d}")
            for _ in range(count)]

#: Variables that change walint's output; the tests set them explicitly when they matter.
_AMBIENT = ("WALINT_FORMAT", "GITHUB_STEP_SUMMARY", "NO_COLOR", "WHATSAPP_TOKEN", "TERM")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _AMBIENT}
    env.update(extra)
    return env


def walint(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m validator ARGS`` as a user runs it; never a traceback."""
    result = subprocess.run([sys.executable, "-m", "validator", *args], cwd=cwd or ROOT,
                            env=env if env is not None else clean_env(), input=stdin,
                            capture_output=True, timeout=timeout, check=False)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


def findings(result: subprocess.CompletedProcess) -> list[dict]:
    return json.loads(result.stdout)["findings"]


__all__ = [
    "BAD",
    "GOOD",
    "HERE",
    "REGISTRY",
    "ROOT",
    "WARNED",
    "clean_env",
    "findings",
    "many",
    "walint",
    "write_jsonl",
]
