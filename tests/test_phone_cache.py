"""The phone fast tests kept between runs (``rules.phone_cache``) answer as the tests they were
kept from, and the cache never changes a reading nor fails a run.

A "run" here is the module state of ``rules.phone`` made fresh (``fresh``): no tests, no
calling codes loaded, the kept sources given. Whether a real second run imports phonenumbers
at all is ``tests/test_startup.py``'s.
"""

from __future__ import annotations

import os
from importlib.machinery import ModuleSpec

import orjson
import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from rules import phone, phone_cache
from rules.phone import _read, read_number
from rules.phone_cache import Kept
from tests.test_phone_fast_path import _fast_match, _fields, plus_digits
from validator import cachedir


@pytest.fixture(scope="module")
def plus_texts() -> list[str]:
    return plus_digits()


@pytest.fixture(autouse=True)
def process_caches(monkeypatch):
    """As in a process where no ``Validator`` was made with ``no_cache`` (other tests make
    some, and that switch is for good)."""
    monkeypatch.setattr(cachedir, "_process_caches", True)


def fresh(monkeypatch: pytest.MonkeyPatch, kept: Kept) -> None:
    """``rules.phone`` as a new process has it, with ``kept`` as what earlier runs kept."""
    monkeypatch.setattr(phone, "_FAST_TESTS", {})
    monkeypatch.setattr(phone, "_KEPT_TESTS", {})
    monkeypatch.setattr(phone, "_CALLING_CODES", {})
    monkeypatch.setattr(phone, "_KEPT", kept)
    read_number.cache_clear()


def example(region: str, kind=PhoneNumberType.MOBILE) -> str:
    return phonenumbers.format_number(phonenumbers.example_number_for_type(region, kind),
                                      phonenumbers.PhoneNumberFormat.E164)


def test_kept_regexes_answer_in_a_later_run_as_they_did(plus_texts, tmp_path, monkeypatch):
    """Every ``+digits`` text of the fast-path set: a run that kept its tests' sources, then a
    run that reads them back, answer alike (no regex built from the metadata in the second),
    and the second run's readings are phonenumbers' own."""
    path = tmp_path / "kept.json"
    first = Kept(path, {}, {})
    fresh(monkeypatch, first)
    for text in plus_texts:
        read_number(text)  # loads regions as a campaign would
    answers = {text: _fast_match(text) for text in plus_texts}  # every test called again
    assert sum(answers.values()) > 15_000
    first.write()

    again = phone_cache._read(path)
    assert again is not None and again.codes == first.codes
    assert again.sources == first.sources
    fresh(monkeypatch, again)
    assert {text: _fast_match(text) for text in plus_texts} == answers
    assert phone._CALLING_CODES == {}  # every answer came from a kept regex
    wrong = [text for text in plus_texts if _fields(read_number(text)) != _fields(_read(text, False))]
    assert not wrong, f"{len(wrong)} differ, e.g. {wrong[:10]}"


def test_a_length_no_run_kept_asks_the_codes_own_tests(tmp_path, monkeypatch):
    number = example("GB")
    first = Kept(tmp_path / "kept.json", {}, {})
    fresh(monkeypatch, first)
    assert _fast_match(number)
    del first.sources[44][len(number)]
    fresh(monkeypatch, first)
    assert phone._kept_tests(44) is not None
    assert _fast_match(number)  # built from the metadata, as without a cache
    assert 44 in phone._CALLING_CODES
    assert first.sources[44][len(number)][0] is not None  # and kept now


@pytest.mark.parametrize(("first", "later", "code"), [("US", "CA", 1), ("RU", "KZ", 7)])
def test_kept_regexes_of_a_shared_code_widen_as_its_regions_are_loaded(tmp_path, monkeypatch,
                                                                        first, later, code):
    """+1 is shared by 25 regions, +7 by two; a run that met only the first region's numbers
    kept a regex that covers it alone. A later run that meets a number of a later region (the
    very next one: Kazakhstan) reads it the careful way, which loads that region, and from
    then on the regex covers it, as the code's own would."""
    one, other = example(first), example(later)
    assert len(one) == len(other)
    kept = Kept(tmp_path / "kept.json", {}, {})
    fresh(monkeypatch, kept)
    assert _fast_match(one) and not _fast_match(other)
    assert kept.sources[code][len(one)][1] == 1  # one region covered
    fresh(monkeypatch, kept)
    assert _fast_match(one) and not _fast_match(other)
    assert read_number(other).e164 == other
    assert _fast_match(other) and _fast_match(one)
    assert kept.sources[code][len(other)][1] > 1


def test_a_shared_code_compiles_its_later_regions_regex_only_for_their_numbers(tmp_path, monkeypatch):
    """Once a run has loaded all 25 regions of +1 (an invalid number walks them all), +1's test
    is two regexes, kept as two: a later run checking US numbers compiles the first region's
    alone (2 ms, not the 50 ms of all 25); a Canadian number compiles the whole, and is valid."""
    us, canada = example("US"), example("CA")
    kept = Kept(tmp_path / "kept.json", {}, {})
    fresh(monkeypatch, kept)
    assert read_number("+19995551234").e164 is None  # loads every region of +1
    assert read_number(canada).e164 == canada and _fast_match(us) and _fast_match(canada)
    first, whole = kept.sources[1][len(us)][0]
    assert whole.startswith(first[:-1]) and len(whole) > 10 * len(first)

    compiled = []
    real = phone.re.compile
    monkeypatch.setattr(phone.re, "compile", lambda source, flags=0: compiled.append(source) or real(source, flags))
    fresh(monkeypatch, kept)
    assert _fast_match(us) and compiled == [first]
    assert _fast_match(canada) and compiled == [first, whole]
    assert not _fast_match("+19995551234") and compiled == [first, whole]
    assert read_number(canada).e164 == canada and phone._CALLING_CODES == {}


def test_a_regex_covering_fewer_regions_does_not_replace_the_one_kept(tmp_path, monkeypatch):
    """A run that builds +1's test with only the United States loaded (a US number whose
    prefix was not kept) keeps the 25-region test an earlier run kept: Canadian numbers stay
    answered by the kept regex."""
    us, canada = example("US"), example("CA")
    kept = Kept(tmp_path / "kept.json", {}, {})
    fresh(monkeypatch, kept)
    assert read_number("+19995551234").e164 is None  # loads all 25 regions
    assert _fast_match(us) and _fast_match(canada)
    wide = kept.sources[1][len(us)]
    assert wide[1] == 25
    del kept.codes[us[:4]]
    fresh(monkeypatch, kept)
    assert _fast_match(us)  # built from the metadata, the United States alone loaded
    assert 1 in phone._CALLING_CODES and kept.sources[1][len(us)] == wide
    fresh(monkeypatch, kept)
    assert _fast_match(canada) and phone._CALLING_CODES == {}


def test_invalid_numbers_read_the_same_with_kept_regexes(tmp_path, monkeypatch):
    texts = [example("DE"), example("DE")[:-1], example("DE") + "1", "+4400000000000", "+999123456"]
    first = Kept(tmp_path / "kept.json", {}, {})
    fresh(monkeypatch, first)
    before = [_fields(read_number(text)) for text in texts]
    fresh(monkeypatch, first)
    assert [_fields(read_number(text)) for text in texts] == before
    assert before == [_fields(_read(text, False)) for text in texts]


@pytest.mark.parametrize("content", [
    b"", b"not json", b"[]", b'{"format": 1, "codes": {}, "sources": {}}',
    b'{"format": 2, "codes": {}}', b'{"format": 2, "codes": [], "sources": {}}',
    b'{"format": 2, "codes": {}, "sources": {"44": {"13": "a source alone"}}}',
    b'{"format": 2, "codes": {}, "sources": {"x": {}}}',
])
def test_a_file_walint_did_not_write_is_not_read(tmp_path, monkeypatch, content):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = tmp_path / "walint" / "phone" / f"{phone_cache._key()}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    kept = phone_cache.kept()
    assert (kept.path, kept.codes, kept.sources) == (path, {}, {})


def test_entries_of_the_wrong_kind_are_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = tmp_path / "walint" / "phone" / f"{phone_cache._key()}.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(orjson.dumps({"format": 2, "codes": {"+447": 44, "+448": "44", "447": 44, "+999": None},
                                   "sources": {"44": {"13": ["x", 1], "12": [None, 1], "11": [3, 1],
                                                      "10": ["y", "1"], "9": [["a", "b"], 2],
                                                      "8": [["a"], 2], "7": [["a", 1], 2],
                                                      "6": [["a", "b", "c"], 2]}}}))
    kept = phone_cache.kept()
    assert kept.codes == {"+447": 44, "+999": None}
    assert kept.sources == {44: {13: ("x", 1), 12: (None, 1), 9: (["a", "b"], 2)}}


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "walint").write_text("a file where the folder would be")
    kept = phone_cache.kept()
    kept.note_code("+447", 44)
    kept.write()  # nothing raised
    assert (tmp_path / "walint").read_text() == "a file where the folder would be"


def test_what_is_written_is_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kept = phone_cache.kept()
    kept.note_code("+447", 44)
    kept.note_code("+999", None)
    kept.note_source(44, 13, r"\+447\d{9}", 1)
    kept.note_source(44, 3, None, 1)
    kept.write()
    again = phone_cache.kept()
    assert (again.codes, again.sources) == (kept.codes, kept.sources)
    assert again.sources == {44: {13: (r"\+447\d{9}", 1), 3: (None, 1)}}


def test_only_the_newest_files_are_kept(tmp_path, monkeypatch):
    """One file per phonenumbers installation: an upgrade, another virtualenv… The oldest
    go when a run writes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "walint" / "phone"
    folder.mkdir(parents=True)
    for number in range(phone_cache.KEEP + 2):
        old = folder / f"{number:064x}.json"
        old.write_bytes(b"{}")
        os.utime(old, ns=(number * 10**9, number * 10**9))
    kept = phone_cache.kept()
    kept.note_code("+447", 44)
    kept.write()
    newest_others = {f"{number:064x}.json" for number in range(3, phone_cache.KEEP + 2)}
    assert {path.name for path in folder.iterdir()} == newest_others | {kept.path.name}


def test_the_key_names_the_phonenumbers_installation(tmp_path, monkeypatch):
    """Another phonenumbers (another place, or the same place rewritten by an upgrade) has
    another cache file; finding it does not import it."""
    origin = tmp_path / "phonenumbers" / "__init__.py"
    origin.parent.mkdir()
    origin.write_text("__version__ = '1'\n")

    class Finder:
        @staticmethod
        def find_spec(name):
            assert name == "phonenumbers"
            return ModuleSpec(name, None, origin=str(origin))

    real = phone_cache._key()
    monkeypatch.setattr(phone_cache, "PathFinder", Finder)
    other = phone_cache._key()
    assert other != real
    origin.write_text("__version__ = '22'\n")
    assert phone_cache._key() != other
    os.utime(origin, ns=(0, 0))
    assert phone_cache._key() not in (other, real)


def test_no_phonenumbers_no_cache(tmp_path, monkeypatch):
    """Without phonenumbers found (or a home), nothing is kept, and nothing fails."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(phone_cache, "PathFinder", type("Finder", (), {"find_spec": staticmethod(lambda name: None)}))
    kept = phone_cache.kept()
    assert kept.path is None
    kept.note_code("+447", 44)
    kept.write()
    assert list(tmp_path.iterdir()) == []
