"""The parsed registry is kept by its text and read back instead of parsing again; it never
changes what a registry means, and never fails a run."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

import validator.registry as registry_module
from validator import RegistryError, load_registry
from validator.registry_cache import FORMAT, KEEP

from .conftest import ROOT, run_walint

TEXT = (ROOT / "templates_registry.yaml").read_text(encoding="utf-8")
# A second template is not valid: its error names the line where it starts (3).
BROKEN = ("templates:\n  - {name: a, language: en_US, status: APPROVED}\n"
          "  - name: b\n    language: en_US\n    status: APPROVED\n"
          "    components: [{format: TEXT}]\n")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The folder parsed registries go to (an empty cache of this test's own)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "walint" / "registries"


def _name(text: str) -> str:
    return f"{hashlib.sha256(text.encode()).hexdigest()}.json"


def _kept_as(text: str, cache) -> os.PathLike:
    return cache / _name(text)


def _write(tmp_path, text: str, name: str = "registry.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _no_parser(monkeypatch):
    def refuse(text, source):
        raise AssertionError("the registry was parsed again")

    monkeypatch.setattr(registry_module, "_parse_yaml", refuse)


def test_a_registry_read_before_is_not_parsed_again(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, TEXT)
    first = load_registry(path)
    assert [entry.name for entry in cache.iterdir()] == [_kept_as(TEXT, cache).name]
    _no_parser(monkeypatch)
    again = load_registry(path)
    assert list(again) == list(first) and len(again) == len(first) > 3
    # The same text under another name is the same parse.
    assert list(load_registry(_write(tmp_path, TEXT, "copy.yaml"))) == list(first)


def test_a_kept_parse_keeps_each_templates_line_for_its_errors(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, BROKEN)
    for parsed in ("parsed", "kept"):
        with pytest.raises(RegistryError) as info:
            load_registry(path)
        assert str(info.value).startswith(f"{path}:3: template #2 (b/en_US): components.0.type"), parsed
        _no_parser(monkeypatch)


def test_the_kept_parse_is_what_is_read(tmp_path, cache):
    """A file under the text's name is read as the parse of that text (so the cache is used,
    not only written); ``cache=False`` neither reads it nor writes one."""
    path = _write(tmp_path, TEXT)
    cache.mkdir(parents=True)
    planted = {"format": FORMAT, "data": {"templates": []}, "lines": []}
    _kept_as(TEXT, cache).write_text(json.dumps(planted))
    assert len(load_registry(path)) == 0
    assert len(load_registry(path, cache=False)) > 3
    other = _write(tmp_path, TEXT + "\n# another text\n", "other.yaml")
    assert len(load_registry(other, cache=False)) > 3
    assert not _kept_as(other.read_text(), cache).exists()


@pytest.mark.parametrize("kept", [b"", b"{not json", b"[1, 2]", b'{"format": 0, "data": {}, "lines": []}',
                                  b'{"format": 1, "data": {}, "lines": ["x"]}', b'{"format": 1, "lines": []}'])
def test_a_broken_or_foreign_file_is_parsed_again_and_replaced(tmp_path, cache, kept):
    path = _write(tmp_path, TEXT)
    cache.mkdir(parents=True)
    _kept_as(TEXT, cache).write_bytes(kept)
    assert len(load_registry(path)) > 3
    assert json.loads(_kept_as(TEXT, cache).read_text())["format"] == FORMAT


@pytest.mark.parametrize("value", ["2024-05-01", "!!set {a, b}", ".nan", "{1: one}", "123456789012345678901234567890"])
def test_what_json_would_change_is_not_kept(tmp_path, cache, value):
    """A YAML date, a set, a NaN, a key that is not a string, an integer past 64 bits: JSON
    would give back something else, so such a parse is not kept (the run is the same)."""
    text = TEXT + f"extra: {value}\n"
    path = _write(tmp_path, text)
    assert list(load_registry(path)) == list(load_registry(path, cache=False))
    assert not _kept_as(text, cache).exists()


def test_text_that_does_not_parse_is_not_kept(tmp_path, cache):
    path = _write(tmp_path, "templates: [unclosed\n")
    with pytest.raises(RegistryError, match="invalid YAML"):
        load_registry(path)
    assert not cache.exists()


def test_only_the_newest_are_kept(tmp_path, cache):
    texts = [TEXT + f"# version {number}\n" for number in range(KEEP + 3)]
    for number, text in enumerate(texts):
        load_registry(_write(tmp_path, text))
        os.utime(_kept_as(text, cache), ns=(number * 10**9, number * 10**9))  # written in order
    kept = sorted(entry.name for entry in cache.iterdir())
    assert kept == sorted(_kept_as(text, cache).name for text in texts[-KEEP:])


def test_a_cache_that_cannot_be_written_does_not_fail_the_run(tmp_path, cache):
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the folder should be")
    assert len(load_registry(_write(tmp_path, TEXT))) > 3


def test_the_command_keeps_the_parse_unless_told_not_to(tmp_path):
    campaign = ROOT / "examples" / "campaign.jsonl"
    folder = tmp_path / "cache"
    told = run_walint("check", "--offline", "--no-cache", str(campaign), env={"XDG_CACHE_HOME": str(folder)})
    assert told.returncode == 1 and not folder.exists()
    kept = run_walint("check", "--offline", str(campaign), env={"XDG_CACHE_HOME": str(folder)})
    assert kept.stdout == told.stdout
    assert (folder / "walint" / "registries" / _name(TEXT)).exists()
