"""The pre-commit hook, run for real by pre-commit in a temporary git repository.

The hook is taken from this checkout's ``.pre-commit-hooks.yaml`` — its ``files`` pattern,
``types``, ``pass_filenames``, ``require_serial`` and the arguments of its ``entry`` — and run
as a ``repo: local`` hook whose entry is this interpreter's ``python -m validator``, so the
test exercises the real hook definition and the real command without building a virtualenv
from the network.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import BAD, GOOD, REGISTRY, ROOT, clean_env, many

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _pre_commit() -> list[str]:
    """``python -m pre_commit``, installing pre-commit (a test dependency) if it is missing."""
    if importlib.util.find_spec("pre_commit") is None:
        install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pre-commit"],
                                 capture_output=True, timeout=600, check=False)
        importlib.invalidate_caches()
        if install.returncode != 0 or importlib.util.find_spec("pre_commit") is None:
            pytest.skip("pre-commit is not installed and could not be installed with pip: "
                        + install.stderr.decode(errors="replace").strip()[-300:])
    if shutil.which("git") is None:
        pytest.skip("git is not installed: pre-commit needs it")
    return [sys.executable, "-m", "pre_commit"]


def _language(pre_commit: list[str]) -> str:
    version = subprocess.run([*pre_commit, "--version"], capture_output=True, text=True,
                             check=True).stdout
    major, minor = (int(part) for part in version.split()[-1].split(".")[:2])
    return "unsupported" if (major, minor) >= (4, 4) else "system"  # 'system' was renamed


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env=clean_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                                 GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com"))


@pytest.fixture(scope="module")
def pre_commit():
    return _pre_commit()


@pytest.fixture
def repo(tmp_path, pre_commit):
    (hook,) = [h for h in HOOKS if h["id"] == "walint"]
    program, *args = hook["entry"].split()
    assert program == "walint"
    local = {key: hook[key] for key in ("id", "name", "files", "types", "pass_filenames",
                                        "require_serial") if key in hook}
    local.update(entry=" ".join([sys.executable, "-m", "validator", *args]),
                 language=_language(pre_commit))
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    (repo / "templates_registry.yaml").write_text(REGISTRY.read_text())
    (repo / "package.json").write_text('{"name": "not-a-campaign"}\n')  # must not be checked
    (repo / "campaigns").mkdir()
    return repo


def run_hooks(pre_commit, repo):
    git(repo, "add", "-A")
    return subprocess.run([*pre_commit, "run", "--all-files", "--color", "never"], cwd=repo,
                          capture_output=True, text=True, timeout=300, check=False,
                          env=clean_env(PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home")))


def write(path: Path, payloads: list[dict]) -> None:
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads))


def test_hook_definition_is_offline_and_takes_many_files():
    (hook,) = [h for h in HOOKS if h["id"] == "walint"]
    assert hook["entry"] == "walint check --offline" and hook["language"] == "python"
    assert hook["pass_filenames"] is True and hook["require_serial"] is False
    import re

    files = re.compile(hook["files"])
    for name in ("a.jsonl", "x/b.ndjson", "campaigns/c.json", "campaigns/d.csv", "campaign/e.yaml",
                 "deep/campaigns/f.yml"):
        assert files.search(name), name
    for name in ("package.json", ".pre-commit-config.yaml", "templates_registry.yaml",
                 ".github/workflows/ci.yml", "tsconfig.json"):
        assert not files.search(name), name


def test_a_bad_campaign_fails_the_commit(pre_commit, repo):
    write(repo / "campaigns" / "good.jsonl", many(GOOD, 2))
    write(repo / "campaigns" / "bad.jsonl", many(BAD, 1))
    (repo / "campaigns" / "also_bad.json").write_text(json.dumps(many(BAD, 1), indent=2))
    result = run_hooks(pre_commit, repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "walint (WhatsApp campaign lint)" in result.stdout and "Failed" in result.stdout
    assert "campaigns/bad.jsonl:1: WA201 [132001] template hello_world does not exist in en" in result.stdout
    assert "campaigns/also_bad.json:2: WA201" in result.stdout
    # One call for all three files: pre-commit passed them together.
    assert "4 messages in 3 files: 2 passed, 2 failed" in result.stdout
    assert "package.json" not in result.stdout


def test_a_good_campaign_passes(pre_commit, repo):
    write(repo / "campaigns" / "good.jsonl", many(GOOD, 3))
    write(repo / "more.jsonl", many(GOOD, 1))
    result = run_hooks(pre_commit, repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "walint (WhatsApp campaign lint)" in result.stdout and "Passed" in result.stdout


def test_no_campaign_files_means_the_hook_is_skipped(pre_commit, repo):
    (repo / "README.md").write_text("hello\n")
    result = run_hooks(pre_commit, repo)
    assert result.returncode == 0 and "(no files to check)Skipped" in result.stdout


def test_the_hook_installs_from_a_clone_and_runs(tmp_path, pre_commit):
    """The published way: ``repo: <walint>`` with ``rev``, ``language: python`` — pre-commit
    builds its own virtualenv and installs walint into it (needs the package index)."""
    source = tmp_path / "walint-src"
    source.mkdir()
    for name in ("validator", "rules"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, source / name)
    git(source, "init", "-q")
    git(source, "add", "-A")
    git(source, "commit", "-qm", "snapshot")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                         text=True, check=True).stdout.strip()
    project = tmp_path / "project"
    (project / "campaigns").mkdir(parents=True)
    git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(source), "rev": rev, "hooks": [{"id": "walint"}]}]}))
    (project / "templates_registry.yaml").write_text(REGISTRY.read_text())
    write(project / "campaigns" / "bad.jsonl", many(GOOD, 1) + many(BAD, 1))
    result = run_hooks(pre_commit, project)
    output = result.stdout + result.stderr
    if "An unexpected error has occurred" in output and "pip" in output:
        pytest.skip("pre-commit could not install walint's dependencies (no package index?): "
                    + output.strip().splitlines()[-1][:300])
    assert result.returncode == 1, output
    assert "campaigns/bad.jsonl:2: WA201 [132001]" in result.stdout
    (project / "campaigns" / "bad.jsonl").unlink()
    write(project / "campaigns" / "good.jsonl", many(GOOD, 1))
    again = run_hooks(pre_commit, project)
    assert again.returncode == 0, again.stdout + again.stderr
