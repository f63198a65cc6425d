"""Third-party rule packs arrive through the ``walint.rules`` entry-point group.

The pack is a real distribution: a module plus a ``.dist-info`` folder with
``entry_points.txt`` on the import path, exactly what ``pip install`` leaves behind.
"""

from __future__ import annotations

import os
import textwrap

import pytest

from validator import RulePackError, validate
from validator.catalog import all_rule_classes

from .conftest import run_walint, write_jsonl

PACK = '''
from validator import Problem, Rule

class NoShouting(Rule):
    """Text bodies must not be all capitals.

    **What it does** Reports shouting. **Why is this bad?** Users block shouters.
    """

    code = "ACME001"
    name = "no-shouting"
    message_types = frozenset({"text"})

    def check(self, payload, ctx):
        body = payload.get("text", {}).get("body", "")
        if body.isupper():
            yield Problem("text.body", f"body {body!r} is all capitals")
'''


def install_pack(root, name, module_source, target):
    (root / f"{name}.py").write_text(textwrap.dedent(module_source))
    dist = root / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[walint.rules]\n{name} = {target}\n")
    return root


@pytest.fixture
def pack(tmp_path, monkeypatch):
    install_pack(tmp_path, "acme_pack", PACK, "acme_pack:NoShouting")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_installed_pack_rules_join_the_builtins(pack):
    codes = [cls.code for cls in all_rule_classes()]
    assert "ACME001" in codes and "WA101" in codes
    report = validate([{"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "BUY NOW"}}])
    assert [f.rule for f in report.findings] == ["ACME001"]
    assert report.findings[0].message == "body 'BUY NOW' is all capitals"


def test_pack_rules_can_be_selected_by_their_own_prefix(pack):
    report = validate([{"messaging_product": "whatsapp", "text": {"body": "HEY"}}], select=["ACME"])
    assert {f.rule for f in report.findings} == {"ACME001"}


def test_cli_lists_and_runs_pack_rules(pack, tmp_path):
    env = {"PYTHONPATH": str(pack) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    assert b"ACME001  no-shouting" in run_walint("rules", env=env).stdout
    campaign = write_jsonl(tmp_path / "c.jsonl", [{"messaging_product": "whatsapp",
                                                   "to": "+447911123456", "text": {"body": "SALE"}}])
    result = run_walint("check", "--registry", "templates_registry.yaml", str(campaign), env=env)
    assert result.returncode == 1 and b"ACME001 body 'SALE' is all capitals" in result.stdout


def test_broken_pack_is_reported_by_name(tmp_path, monkeypatch):
    install_pack(tmp_path, "broken_pack", "raise ImportError('missing dependency foo')\n",
                 "broken_pack:RULES")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RulePackError, match="rule pack 'broken_pack'.*ImportError: missing dependency foo"):
        all_rule_classes()
    env = {"PYTHONPATH": str(tmp_path)}
    result = run_walint("rules", env=env)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr and b"rule pack 'broken_pack'" in result.stderr


def test_pack_with_a_clashing_code_is_refused(tmp_path, monkeypatch):
    install_pack(tmp_path, "clash_pack", PACK.replace("ACME001", "WA101"), "clash_pack:NoShouting")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RulePackError, match="WA101 is declared twice"):
        all_rule_classes()
