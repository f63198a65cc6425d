"""The error catalogue behind ``walint explain``.

The expected codes and retry classes below are typed in from the reference facts file
(§1.2 table, SDK-only codes), independently of ``validator.api_errors``, so that an entry
dropped or misclassified in the module fails here instead of being copied into the test.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from validator import api_errors
from validator.api_errors import ApiError, Retry, all_errors, format_explanation, lookup

M_ERR = (
    "https://developers.facebook.com/documentation/business-messaging/whatsapp"
    "/support/error-codes"
)

# Every row of the facts table, ranges and grouped rows expanded.
TABLE_CODES = (
    0, 1, 2, 3, 4, 10, 33, 100, 190, 200, 368, 80007,
    130403, 130429, 130472, 130497,
    131000, 131005, 131008, 131009, 131016, 131021, 131026, 131030, 131031, 131037,
    131042, 131045, 131047, 131048, 131049, 131050, 131051, 131052, 131053, 131055,
    131056, 131057, 131063, 131064,
    132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018, 132068, 132069,
    133000, 133004, 133005, 133006, 133007, 133008, 133009, 133010, 133015, 133016,
    134011, 134100, 134101, 134102, 135000, 2494100,
    2388019, 2388040, 2388047, 2388072, 2388073, 2388293, 2388299,
)
SDK_ONLY_CODES = (131020, 131041, 131062, 137000)
# The 200–299 row: a range lookup must answer for any code in it.
PERMISSION_RANGE = (201, 250, 299)

Y, LATER, N = Retry.RETRY, Retry.LATER, Retry.FIX
# The facts table's Retry column ("Y (later)" for 4 and 80007 reads as retry-with-backoff;
# "Y (after 5 min)" / "wait ~10 min" are still temporary). Code 1 ("Y-if-outage, else N")
# and 133007 (undocumented) have no single value and are tested on their own below.
EXPECTED_RETRY = {
    0: N, 2: Y, 3: N, 4: Y, 10: N, 33: N, 100: N, 190: N, 200: N, 250: N, 368: N, 80007: Y,
    130403: N, 130429: Y, 130472: N, 130497: N,
    131000: Y, 131005: N, 131008: N, 131009: N, 131016: Y, 131021: N, 131026: N, 131030: N,
    131031: N, 131037: N, 131042: N, 131045: N, 131047: N, 131048: LATER, 131049: LATER,
    131050: N, 131051: N, 131052: N, 131053: N, 131055: N, 131056: Y, 131057: Y, 131063: N,
    131064: LATER,
    132000: N, 132001: N, 132005: N, 132007: N, 132012: N, 132015: N, 132016: N, 132018: N,
    132068: N, 132069: LATER,
    133000: N, 133004: Y, 133005: N, 133006: N, 133008: LATER, 133009: LATER, 133010: N,
    133015: Y, 133016: LATER,
    134011: N, 134100: N, 134101: Y, 134102: N, 135000: N, 2494100: Y,
    2388019: N, 2388040: N, 2388047: N, 2388072: N, 2388073: N, 2388293: N, 2388299: N,
}
THROTTLE_CODES = (4, 80007, 130429, 131048, 131056)


def _text(err: ApiError) -> str:
    """What the entry claims about itself, notes excluded (notes may quote a myth)."""
    return f"{err.title} {err.meaning} {err.fix}".lower()


# -- coverage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", TABLE_CODES + SDK_ONLY_CODES + PERMISSION_RANGE)
def test_every_code_in_the_facts_is_catalogued(code: int) -> None:
    err = lookup(code)
    assert err is not None, f"{code} missing from the catalogue"
    assert err.covers(code)


def test_grouped_rows_are_separate_entries() -> None:
    for code in (134100, 134101, 134102, 2388040, 2388299):
        err = lookup(code)
        assert err is not None and err.code == code and err.last_code is None


def test_catalogue_has_no_stray_codes() -> None:
    """Everything catalogued comes from the facts file, so an invented code fails here."""
    assert {err.code for err in all_errors()} == set(TABLE_CODES) | set(SDK_ONLY_CODES)


def test_all_errors_sorted_and_unique() -> None:
    codes = [err.code for err in all_errors()]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("code", [-1, 5, 199, 300, 131001, 133001, 138000, 999999, 10**12])
def test_unknown_code_is_none(code: int) -> None:
    assert lookup(code) is None


@pytest.mark.parametrize("value", ["132000", 132000.0, None, True])
def test_non_int_is_unknown(value: object) -> None:
    assert lookup(value) is None  # type: ignore[arg-type]


def test_permission_range() -> None:
    err = lookup(250)
    assert err is not None
    assert err.code == 200 and err.last_code == 299
    assert lookup(200) is err and lookup(299) is err
    assert "permission" in _text(err)
    assert err.label == "200–299"
    assert err.retry is Retry.FIX


# -- every entry is complete -------------------------------------------------------------------


@pytest.mark.parametrize("err", all_errors(), ids=lambda e: e.label)
def test_entry_is_complete(err: ApiError) -> None:
    assert err.title.strip() and err.meaning.strip() and err.fix.strip()
    assert isinstance(err.retry, Retry)
    assert err.surfaces in (None, "sync", "webhook", "either")
    assert err.sources and all(isinstance(s, str) for s in err.sources)
    assert any(source.startswith("https://") for source in err.sources)
    assert all(source.startswith("https://") for source in err.sources)
    for field in (err.sources, err.notes, err.details_seen, err.aliases):
        assert isinstance(field, tuple)


@pytest.mark.parametrize("code", [c for c in TABLE_CODES if c != 131030])
def test_meta_documented_codes_cite_meta_error_page(code: int) -> None:
    err = lookup(code)
    assert err is not None
    assert M_ERR in err.sources


@pytest.mark.parametrize("code", SDK_ONLY_CODES)
def test_sdk_only_codes_cite_the_sdk_and_say_so(code: int) -> None:
    err = lookup(code)
    assert err is not None
    assert M_ERR not in err.sources
    assert any("github.com/david-lev/pywa" in source for source in err.sources)
    assert any("not on meta" in note.lower() for note in err.notes)


def test_entries_are_immutable() -> None:
    err = lookup(132000)
    assert err is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        err.retry = Retry.RETRY  # type: ignore[misc]


# -- retry classes -----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED_RETRY.items()))
def test_retry_matches_facts_table(code: int, expected: Retry) -> None:
    err = lookup(code)
    assert err is not None
    assert err.retry is expected


def test_ambiguous_code_1_is_fix_first_with_outage_caveat() -> None:
    err = lookup(1)
    assert err is not None
    assert err.retry is Retry.FIX
    assert any("outage" in note for note in err.notes)


def test_undocumented_133007_is_not_auto_retried_and_says_undocumented() -> None:
    err = lookup(133007)
    assert err is not None
    assert err.retry is Retry.FIX
    assert "not document" in err.meaning.lower()


@pytest.mark.parametrize("code", THROTTLE_CODES)
def test_throttle_http_status_is_flagged_uncertain(code: int) -> None:
    err = lookup(code)
    assert err is not None and err.http_status is not None
    assert "400" in err.http_status and "429" in err.http_status


# -- myths and specific meanings ---------------------------------------------------------------


def test_131030_is_the_test_number_allowed_list_not_a_limit() -> None:
    err = lookup(131030)
    assert err is not None
    text = _text(err)
    assert "allowed list" in text
    assert "test" in text
    assert "rate limit" not in text and "daily" not in text and "messaging limit" not in text
    assert err.retry is Retry.FIX
    notes = " ".join(err.notes).lower()
    assert "not" in notes and "daily" in notes  # the myth is named and corrected
    assert "no dedicated error code" in notes  # portfolio messaging limit has none


def test_131056_is_pair_rate_limit_and_retryable() -> None:
    err = lookup(131056)
    assert err is not None
    text = _text(err)
    assert "pair rate limit" in text
    assert "same recipient" in text
    assert "verif" not in text
    assert err.retry is Retry.RETRY
    assert any("not verified" in note for note in err.notes)


def test_portfolio_limit_has_no_code_noted_on_nearby_limit_codes() -> None:
    for code in (131048, 131064):
        err = lookup(code)
        assert err is not None
        assert any("no dedicated error code" in note for note in err.notes)


def test_131047_says_send_a_template() -> None:
    err = lookup(131047)
    assert err is not None
    assert "template" in err.fix.lower()
    assert "24" in err.meaning


def test_132015_paused_and_132016_disabled() -> None:
    paused, disabled = lookup(132015), lookup(132016)
    assert paused is not None and disabled is not None
    assert "paused" in paused.title.lower() and "paused" in paused.meaning.lower()
    assert "disabled" in disabled.title.lower()
    assert "parameter" not in paused.title.lower()  # the Go-enum mislabel


def test_newline_parameter_case_predicts_132018_with_aliases() -> None:
    err = lookup(132018)
    assert err is not None
    assert set(err.aliases) == {100, 132000}
    assert any("new-line/tab" in details for details in err.details_seen)
    for alias in (100, 132000):
        aliased = lookup(alias)
        assert aliased is not None
        assert any("132018" in note for note in aliased.notes)


def test_131049_covers_us_marketing_and_waits_a_day() -> None:
    err = lookup(131049)
    assert err is not None
    assert "us" in err.meaning.lower() and "+1" in err.meaning
    assert "24 hours" in err.fix


def test_131050_says_do_not_retry() -> None:
    err = lookup(131050)
    assert err is not None
    assert "do not retry" in err.fix.lower()
    assert "user_preferences" in err.fix


# -- formatting --------------------------------------------------------------------------------


def test_format_explanation_shape_and_rules() -> None:
    err = lookup(132000)
    assert err is not None
    text = format_explanation(
        err, [("WA203", "template-param-count"), ("WA205", "template-named-params")]
    )
    lines = text.splitlines()
    assert lines[0] == "132000  Template parameter count mismatch"
    assert "Retry: no — fix first" in text
    assert "How to fix: Send exactly one parameter" in text
    assert "WA203 template-param-count" in text
    assert "WA205 template-named-params" in text
    assert M_ERR in text
    assert not text.endswith("\n")


def test_format_explanation_without_rules_has_no_prevented_line() -> None:
    err = lookup(131000)
    assert err is not None
    text = format_explanation(err)
    assert "Prevented by" not in text
    assert "Retry: yes" in text


def test_format_explanation_accepts_any_iterable_of_pairs() -> None:
    err = lookup(131056)
    assert err is not None
    text = format_explanation(err, (pair for pair in [("WA501", "pair-rate-limit")]))
    assert "Prevented by: WA501 pair-rate-limit" in text


def test_format_explanation_range_later_and_notes() -> None:
    permission = lookup(250)
    later = lookup(131049)
    myth = lookup(131030)
    assert permission is not None and later is not None and myth is not None
    assert format_explanation(permission).startswith("200–299  ")
    assert "Retry: later" in format_explanation(later)
    rendered = format_explanation(myth)
    assert "Notes:" in rendered and "NOT a daily" in rendered


@pytest.mark.parametrize("err", all_errors(), ids=lambda e: e.label)
def test_format_explanation_never_fails(err: ApiError) -> None:
    text = format_explanation(err)
    assert text.startswith(f"{err.label}  {err.title}")
    assert all(len(line) <= 88 or "https://" in line for line in text.splitlines())


# -- the project stands alone ------------------------------------------------------------------


def test_module_reads_no_files() -> None:
    """The facts are encoded as literals: nothing may read ../shared at run time."""
    source = Path(api_errors.__file__).read_text(encoding="utf-8")
    assert "../shared" not in source and "cloud-api-facts" not in source
    assert "open(" not in source and "read_text" not in source
