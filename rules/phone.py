"""Read a recipient number the way the Cloud API reads ``to``.

Meta accepts ``+``, hyphens, parentheses and spaces in ``to`` and strongly recommends the
plus sign with the country calling code; without ``+`` the API prepends the *sending*
number's country code, which can misdeliver (Meta, "Send messages", WhatsApp user phone
number formats:
https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages).
Meta's own examples nevertheless write ``16505551234``, so a number without ``+`` is read
as international digits (the reading Meta's examples rely on) and flagged as a risk, not
rejected.

Campaigns of millions of messages mostly have distinct recipients, so a cache of readings
would only miss, and phonenumbers costs tens of microseconds a parse. The common case, ``+``
and ASCII digits, has a fast path (see ``_validate_fast``) that mirrors what
``phonenumbers.parse`` + ``is_valid_number`` do for E.164 input, answers only when it is sure
and otherwise defers to phonenumbers itself; and in front of it, for a number valid as written
that way, the same answer from one regex match per number (see ``_FAST_TESTS``). What is left
(invalid numbers, other writings) is rare and cached by the exact input string.
``tests/test_phone_fast_path.py`` compares the readings with phonenumbers' over every region's
numbers.

The regexes' sources are kept between runs (``rules.phone_cache``), and phonenumbers is
imported only when a number needs it: a check of a few messages whose numbers match kept
regexes — pre-commit's usual run — does not import it (``tests/test_phone_cache.py``).
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import NamedTuple

from . import phone_cache

__all__ = ["NumberReading", "e164_of", "read_number"]

_SEPARATORS = frozenset(" -().")


@lru_cache(maxsize=None)
def _problems() -> tuple[dict[int, str], dict[int, str]]:
    """What phonenumbers' possibility results and parse errors mean, as problems. (Here,
    not at import: phonenumbers is imported only when a number needs it, see
    ``rules.phone_cache``.)"""
    from phonenumbers import NumberParseException, ValidationResult

    reasons = {
        ValidationResult.INVALID_COUNTRY_CODE: "unknown country calling code",
        ValidationResult.TOO_SHORT: "too short",
        ValidationResult.TOO_LONG: "too long",
        ValidationResult.INVALID_LENGTH: "wrong length for its country",
    }
    parse_errors = {
        NumberParseException.NOT_A_NUMBER: "not a number",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_LONG: "too long",
    }
    return reasons, parse_errors


class NumberReading(NamedTuple):
    """What a ``to`` value means: its E.164 form, or why it has none. (A named tuple: one
    is made for every distinct recipient of a campaign, and a tuple is quick to make.)"""

    text: str
    e164: str | None
    has_plus: bool
    problem: str | None = None
    suggestion: str | None = None

    @property
    def valid(self) -> bool:
        return self.e164 is not None

    @property
    def canonical(self) -> bool:
        """Written exactly as E.164 (``+`` and digits only)."""
        return self.e164 is not None and self.text == self.e164


def read_number(text: str) -> NumberReading:
    """Read one recipient number; never raises.

    Almost every call is one of two kinds: a number not read before (a campaign's recipients
    are mostly distinct, so a big cache would only miss, and evict) or the number just read,
    again (the rules of one message each read its ``to``). The first kind, written ``+`` and
    digits and valid, is one regex match (see ``_FAST_TESTS``); for the second the latest
    reading is kept. Anything else is ``_read``, behind an LRU cache: such numbers are rare,
    may cost a phonenumbers parse, and repeat.

    ``read_number.__wrapped__`` reads without the latest reading and the cache (for a long
    list read once); ``read_number.cache_clear()`` forgets both."""
    global _LATEST
    latest = _LATEST
    if latest.text == text:
        return latest
    if _valid_as_written(text):
        # tuple.__new__ skips the named tuple's Python-level __new__, which costs as much again.
        _LATEST = reading = _new_tuple(NumberReading, (text, text, True, None, None))
    else:
        _LATEST = reading = _read_cached(text)
    return reading


def e164_of(text: str) -> str | None:
    """``read_number(text).e164``, for checks that need no more of the reading: a text that is
    ``+`` and digits, valid as written, is its own E.164 form after one regex match, with no
    reading made. The rules of a line read through a skeleton ask it of the same ``to``
    object one after another: that object's answer is kept (by identity, cheaper than
    comparing). Anything else is ``_read``'s, behind ``read_number``'s cache."""
    global _LATEST_E164
    latest = _LATEST_E164
    if latest[0] is text:
        return latest[1]
    # _valid_as_written, inlined: this runs for every line of a large campaign.
    try:
        match = _FAST_TESTS[text[:4]][len(text)](text)
    except (KeyError, IndexError):
        match = _first_match(text)
    number = text if match is not None else _read_cached(text).e164
    _LATEST_E164 = (text, number)
    return number


def _valid_as_written(text: str) -> bool:
    """Whether ``text`` is "+" and ASCII digits, a valid number as written (its E.164 form is
    the text itself): one regex match (``_FAST_TESTS``). False means "ask ``_read``"."""
    try:
        return _FAST_TESTS[text[:4]][len(text)](text) is not None
    except (KeyError, IndexError):
        return _first_match(text) is not None


# The text last asked of e164_of and its answer, replaced as one object (see _LATEST).
_LATEST_E164: tuple[object, str | None] = (object(), None)


# The latest reading, whose text says what it is the reading of: one object, so that it is
# replaced at once (a text and a reading kept apart could be seen mismatched by a thread). More
# than one is not worth its cost: the rules of a message read its number one after another.
_NOTHING = NumberReading(object(), None, False)  # its text equals no input
_LATEST = _NOTHING
_new_tuple = tuple.__new__


def _read_uncached(text: str) -> NumberReading:
    """``read_number`` without the latest reading and the cache."""
    if _valid_as_written(text):
        return _new_tuple(NumberReading, (text, text, True, None, None))
    return _read(text, True)


@lru_cache(maxsize=65536)
def _read_cached(text: str) -> NumberReading:
    return _read(text, True)


def _cache_clear() -> None:
    global _LATEST, _LATEST_E164
    _LATEST = _NOTHING
    _LATEST_E164 = (object(), None)
    _read_cached.cache_clear()


read_number.__wrapped__ = _read_uncached  # type: ignore[attr-defined]
read_number.cache_clear = _cache_clear  # type: ignore[attr-defined]


def _read(text: str, fast: bool) -> NumberReading:
    """The reading of any text. ``fast=True`` is what ``read_number`` gives when its regex does
    not match (and gave for every number before it had one); ``fast=False`` is phonenumbers
    alone (the reference the differential test and the benchmark compare both with)."""
    has_plus = text[:1] == "+"
    digits = text[1:] if has_plus else text
    # ``+`` and 1-15 ASCII digits, nothing else, is the shape almost every campaign uses; for
    # it the general reading below would find the same has_plus and digits, only slower.
    if not (fast and len(digits) <= 15 and digits.isascii() and digits.isdigit()):
        stripped = text.strip()
        has_plus = stripped.startswith("+")
        body = stripped[1:] if has_plus else stripped
        stray = next((c for c in body if not (c.isdigit() or c in _SEPARATORS)), None)
        if stray is not None:
            return NumberReading(text, None, has_plus, f"contains {stray!r}")
        digits = "".join(c for c in body if c.isdigit())
        if not digits:
            return NumberReading(text, None, has_plus, "has no digits")
        if len(digits) > 15:
            return NumberReading(text, None, has_plus, f"has {len(digits)} digits; E.164 allows 15")
    canonical = "+" + digits
    if fast and canonical != text and _valid_as_written(canonical):
        # "+34 612 345 678", "919876543210": the regex of "+" and the digits answers as
        # _validate would (a match is what it finds valid as written), and it may be kept
        # from an earlier run, where _validate needs phonenumbers' metadata.
        return NumberReading(text, canonical, has_plus)
    validate = _validate if fast else _validate_slow
    e164, problem = validate(digits)
    if e164 == canonical:
        return NumberReading(text, e164, has_plus)
    if e164 is not None:
        # libphonenumber silently drops a national trunk prefix (+44 07911 → +44 7911);
        # the API does not, so the number as written is not the number meant.
        return NumberReading(text, None, has_plus, "national trunk prefix after the country code", e164)
    return NumberReading(text, None, has_plus, problem, _without_trunk_zero(digits, validate))


def _validate(digits: str) -> tuple[str | None, str]:
    """E.164 form of ``+digits`` (None if invalid) and the problem when invalid."""
    answer = _validate_fast(digits)
    return _validate_slow(digits) if answer is None else answer


def _validate_slow(digits: str) -> tuple[str | None, str]:
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat

    reasons, parse_errors = _problems()
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return None, "unknown country calling code"
        return None, parse_errors.get(exc.error_type, "cannot be parsed")
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""
    reason = phonenumbers.is_possible_number_with_reason(number)
    return None, reasons.get(reason, "not a valid number for its country")


def _without_trunk_zero(digits: str, validate=_validate) -> str | None:
    """``+44 07911 123456``: a national trunk 0 kept after the country code. If dropping a
    single 0 right after a country code makes the number valid, that is what was meant."""
    for cc_length in (1, 2, 3):
        if digits[cc_length:cc_length + 1] == "0":
            e164, _ = validate(digits[:cc_length] + digits[cc_length + 1:])
            if e164 is not None:
                return e164
    return None


# --------------------------------------------------------------------------------------------
# The fast path.
#
# For ``+<digits>`` phonenumbers (checked against 9.0.x: parse, _maybe_extract_country_code,
# _extract_country_code, _maybe_strip_national_prefix_carrier_code, is_valid_number,
# region_code_for_number, _number_type_helper, is_possible_number_with_reason) does this:
#   * fewer than 3 digits: "not a number" / "too short"                    → left to phonenumbers
#   * the country calling code is the first 1-3 digits that are a known code (none if the
#     first digit is 0)                                                    → "unknown country calling code"
#   * national significant number (NSN) shorter than 2 digits             → "too short"
#   * the main region's national_prefix_for_parsing is tried on the NSN; if it can change the
#     NSN (this is what turns +44 07911… into +44 7911…)                   → left to phonenumbers
#     (a non-match, or an empty match with no transformation, leaves it unchanged)
#   * leading zeros are kept (italian_leading_zero), so the E.164 form is "+" + digits
#   * the region: the only one for the code, else the first of its regions whose
#     leading_digits match the start of the NSN or, without leading_digits, for which the
#     number is valid
#   * valid in that region: the general description matches (its possible lengths honoured)
#     and so does one of premium rate, toll free, shared cost, VoIP, personal, pager, UAN,
#     voicemail, fixed line, or mobile (when its pattern differs from fixed line), each with
#     its own possible lengths
#   * invalid: the reason from the main region's possible lengths (depends on length only).
# The type check is one regex per (region, NSN length): the general pattern as a lookahead,
# then the alternation of the type patterns whose possible lengths include that length. It is
# compiled on first use; nothing is built at import.

_FAST_MIN_DIGITS = 3
# Alternation order does not change what a full match accepts; the commonest types go first.
_TYPE_ATTRIBUTES = ("fixed_line", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                    "pager", "uan", "voicemail")
# A pattern using any of these would not combine safely (groups are renumbered, anchors and
# flags change meaning); the metadata uses none today, and a region that did would be left to
# phonenumbers.
_UNSAFE_PATTERN = r"\\[1-9]|\(\?[^:]|[$^]"  # compiled (by re's cache) on first use
_UNSURE = object()  # "ask phonenumbers"
_SKIP = object()  # a region without metadata, which region_code_for_number passes over
# The language of the metadata's number patterns: digits, \d, digit classes, groups,
# alternation and quantifiers; compiled with re.ASCII, such a pattern matches ASCII digits only.
_DIGITS_ONLY = r"(?:\\d|[0-9]|\[(?:[0-9](?:-[0-9])?)+\]|\(\?:|[()|?*+]|\{\d+(?:,\d*)?\})*"


class _Region:
    """Validity of an NSN in one region: one compiled pattern per NSN length."""

    __slots__ = ("by_length", "metadata")

    def __init__(self, metadata) -> None:
        self.metadata = metadata
        # length → compiled pattern, None (no number of this length is valid) or _UNSURE
        self.by_length: dict[int, object] = {}

    def valid(self, nsn: str):
        """True or False, or _UNSURE."""
        try:
            pattern = self.by_length[len(nsn)]
        except KeyError:
            pattern = self.compile(len(nsn))
        if pattern is None:
            return False
        if pattern is _UNSURE:
            return _UNSURE
        return pattern.fullmatch(nsn) is not None

    def compile(self, length: int):
        """The pattern for NSNs of ``length`` (cached): ``_number_type_helper(...) != UNKNOWN``."""
        source = self.source(length)
        if source is None or source is _UNSURE:
            pattern = source
        else:
            try:
                pattern = re.compile(source)
            except re.error:  # pragma: no cover - metadata patterns are plain regexes
                pattern = _UNSURE
        self.by_length[length] = pattern
        return pattern

    def source(self, length: int, digits_only: bool = False):
        """The regex (a string) that fully matches the valid NSNs of ``length``, None if there
        are none, or _UNSURE; ``digits_only``: also _UNSURE unless every pattern is made of
        digits, ``\\d``, digit classes, groups and quantifiers only, so that compiled with
        re.ASCII it matches nothing but ASCII digits."""
        metadata = self.metadata
        general = metadata.general_desc
        if general is None or not general.national_number_pattern:
            return None
        if general.possible_length and length not in general.possible_length:
            return None
        descs = [getattr(metadata, name) for name in _TYPE_ATTRIBUTES]
        if not metadata.same_mobile_and_fixed_line_pattern:
            descs.insert(0, metadata.mobile)
        alternatives: list[str] = []
        for desc in descs:
            if desc is None or not desc.national_number_pattern:
                continue
            if desc.possible_length and length not in desc.possible_length:
                continue
            if desc.national_number_pattern not in alternatives:
                alternatives.append(desc.national_number_pattern)
        if not alternatives:
            return None
        patterns = (general.national_number_pattern, *alternatives)
        if any(re.search(_UNSAFE_PATTERN, p) for p in patterns):
            return _UNSURE
        if digits_only and not all(re.fullmatch(_DIGITS_ONLY, p) for p in patterns):
            return _UNSURE
        # The general description as a lookahead that must reach the end, then any type.
        types = "|".join(f"(?:{pattern})" for pattern in alternatives)
        return f"(?=(?:{general.national_number_pattern})\\Z)(?:{types})"


class _CallingCode:
    """What the fast path needs to know about one country calling code."""

    __slots__ = ("code", "literal", "names", "prefix", "reasons", "regions", "single", "tests",
                 "transform")

    def __init__(self, code: int) -> None:
        import phonenumbers
        from phonenumbers.phonemetadata import PhoneMetadata

        self.code = code
        # parse(): the metadata of the code's main region decides national prefix stripping.
        main = phonenumbers.region_code_for_country_code(code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
        if metadata is None:
            raise LookupError(code)
        prefix = metadata.national_prefix_for_parsing or None
        # Most regions' prefix is a plain "0": it matches (non-empty) exactly when the NSN
        # starts with it, and a startswith is cheaper than a regex.
        self.literal = prefix if prefix is not None and prefix.isascii() and prefix.isdigit() else None
        self.prefix = re.compile(prefix).match if prefix is not None and self.literal is None else None
        self.transform = metadata.national_prefix_transform_rule
        # is_valid_number(): the region as region_code_for_number picks it, then
        # is_valid_number_for_region. A code shared by several regions loads each region's
        # metadata only when a number gets that far down the list, as phonenumbers does.
        self.names = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
        self.regions: list[object] = [None] * len(self.names)  # (leading match, _Region) or _SKIP
        self.tests: list | None = None  # see fast_tests
        self.single = self._region(0)[1] if len(self.names) == 1 else None
        self.reasons: dict[int, str] = {}

    def _region(self, index: int):
        """The index-th region of the code: (leading-digits match or None, _Region), or _SKIP."""
        entry = self.regions[index]
        if entry is not None:
            return entry
        import phonenumbers
        from phonenumbers.phonemetadata import PhoneMetadata

        name, shared = self.names[index], len(self.names) > 1
        if shared:
            metadata = PhoneMetadata.metadata_for_region(name.upper(), None)
            if metadata is None:  # region_code_for_number skips it
                self.regions[index] = _SKIP
                self._widen_tests(index)
                return _SKIP
        else:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(self.code, name.upper())
        if metadata is None or (name != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
                                and metadata.country_code != self.code):
            raise LookupError(self.code)  # is_valid_number_for_region's own refusal; not seen
        leading = metadata.leading_digits if shared else None
        entry = self.regions[index] = (re.compile(leading).match if leading is not None else None,
                                       _Region(metadata))
        self._widen_tests(index)
        return entry

    def unchanged_by_prefix(self, match) -> bool:
        """Sure that stripping the national prefix ``match``ed leaves the NSN as it is."""
        if match.end():
            return False
        # An empty match removes nothing, unless a transformation rule rewrites the number.
        if not self.transform:
            return True
        groups = match.groups()
        return bool(groups) and groups[-1] is None

    def valid(self, nsn: str):
        """True or False, or _UNSURE, for a code shared by several regions."""
        for index, entry in enumerate(self.regions):
            if entry is None:
                try:
                    entry = self._region(index)
                except (LookupError, re.error):
                    return _UNSURE
            if entry is _SKIP:
                continue
            leading, region = entry
            if leading is not None:
                if leading(nsn):
                    return region.valid(nsn)
            else:
                verdict = region.valid(nsn)
                if verdict is not False:
                    return verdict
        return False

    def fast_tests(self) -> list:
        """This code's tests in _FAST_TESTS, by text length: each compiles its regex when it is
        first called, and puts it in its place."""
        if self.tests is None:
            if self.single is None:
                try:  # a shared code's regex covers the regions loaded: at least the first
                    self._region(0)
                except (LookupError, re.error):
                    pass
            self.tests = self._uncompiled_tests()
        return self.tests

    def _widen_tests(self, index: int) -> None:
        """The ``index``-th region was loaded (valid() got that far with a number): the
        regexes compiled before stop short of it, so each is compiled again on its next call;
        so are those made from kept sources that stop short of it, and the sources kept for
        later runs are widened when the cache is written (a number of a later region, +44
        7911 of Jersey say, would otherwise need phonenumbers in every run)."""
        if self.tests is not None:
            self.tests[:] = self._uncompiled_tests()
        kept, tests = _load_kept(), _KEPT_TESTS.get(self.code)
        stale = [length for length, (_, regions) in kept.sources.get(self.code, {}).items()
                 if regions <= index]
        if tests is not None:
            for length in stale:
                tests[length] = partial(_unkept_test, self.code, length)
        if stale:
            kept.note_later(self.code, self._keep_widened)

    def _keep_widened(self) -> None:
        """Keep, for later runs, the sources of the lengths kept short of the regions loaded."""
        loaded = self._loaded()
        for length, (_, regions) in list(_load_kept().sources.get(self.code, {}).items()):
            if regions < loaded:
                self._keep_source(length)

    def _loaded(self) -> int:
        """How many of the code's regions are loaded: always the first ones."""
        return sum(entry is not None for entry in self.regions)

    def _uncompiled_tests(self) -> list:
        return [partial(self._first_test, length) for length in range(_MAX_LENGTH + 1)]

    def _first_test(self, length: int, text: str):
        test = self.tests[length] = self._fast_test(length) or _never
        return test(text)

    def _fast_test(self, length: int):
        """The test of ``+<code><NSN>`` texts of ``length`` characters (see _FAST_TESTS): a
        compiled regex's fullmatch, or None when it would never match. Its source is kept
        for later runs (``rules.phone_cache``)."""
        return _compiled(self._keep_source(length))

    def _keep_source(self, length: int) -> str | list[str] | None:
        """``_fast_source``, noted for later runs with the regions it covers."""
        source = self._fast_source(length)
        _load_kept().note_source(self.code, length, source, self._loaded())
        return source

    def _fast_source(self, length: int) -> str | list[str] | None:
        """The regex of ``_fast_test``, or None. For a code shared by several regions whose
        regex has more than one region's alternative, two regexes: the first region's alone,
        then all (``_compiled``)."""
        nsn_length = length - 1 - len(str(self.code))
        if nsn_length < 2 or length > _MAX_LENGTH:  # "too short", or too long: never valid
            return None
        start = f"\\+{self.code}"
        guard = self._prefix_guard(start)
        if guard is _UNSURE:
            return None
        if self.single is not None:
            source = self.single.source(nsn_length, digits_only=True)
            clauses = [] if source is None or source is _UNSURE else [source]
        else:
            clauses = self._clauses(nsn_length)
        if len(clauses) > 1:
            return [f"{start}{guard}(?:{clauses[0]})", f"{start}{guard}(?:{'|'.join(clauses)})"]
        return f"{start}{guard}(?:{clauses[0]})" if clauses else None

    def _prefix_guard(self, start: str):
        """A lookahead, at the start of the NSN, that holds exactly when parse() leaves the NSN
        as it is (no national prefix, or ``unchanged_by_prefix``), or _UNSURE."""
        if self.literal is not None:
            return f"(?!{self.literal})"
        if self.prefix is None:
            return ""
        pattern = self.prefix.__self__
        # "$" is safe here, unlike in the number patterns: the NSN ends where the text does.
        if re.search(r"\\[1-9]|\(\?[^:]|\^", pattern.pattern):
            return _UNSURE
        # parse() looks at the first match only: an atomic group keeps to it. "Non-empty" is
        # "not right after +<code>" (the only "+" is the first character of a matching text).
        changes = f"(?>{pattern.pattern})(?<!{start})"
        if self.transform:
            if not pattern.groups:
                return f"(?!{pattern.pattern})"
            # or a transformation rule that applies: the last group took part. The prefix
            # comes first in the combined pattern, so its groups keep their numbers.
            changes = f"(?>{pattern.pattern})(?:(?<!{start})|(?({pattern.groups})|(?!)))"
        return f"(?!{changes})"

    def _clauses(self, nsn_length: int) -> list[str]:
        """``valid`` as regex alternatives, one per region that can say yes, in order: a
        region with leading digits decides for the NSNs it matches, so later regions exclude
        them. The list ends at a region that cannot be translated, or that is not loaded yet:
        what it would decide, and what comes after it, is left to the careful path. (Regions
        are loaded in order, as numbers reach them in valid(): +1 is shared by 25 regions,
        whose regex takes some 25 ms to build, and a campaign mostly reaches the first.)"""
        clauses: list[str] = []
        decided: list[str] = []  # leading digits of the regions before
        for entry in self.regions:
            if entry is None:
                break
            if entry is _SKIP:
                continue
            leading, region = entry
            source = region.source(nsn_length, digits_only=True)
            exclude = f"(?!{'|'.join(decided)})" if decided else ""
            if leading is not None:
                if re.search(_UNSAFE_PATTERN, leading.__self__.pattern):
                    break
                leading = f"(?:{leading.__self__.pattern})"
                if source is not None and source is not _UNSURE:
                    clauses.append(f"{exclude}(?={leading}){source}")
                decided.append(leading)
            elif source is _UNSURE:
                break
            elif source is not None:
                clauses.append(f"{exclude}{source}")
        return clauses

    def reason(self, nsn: str) -> str:
        """Why an invalid number is invalid: is_possible_number_with_reason, which depends on
        the code and the NSN's length only."""
        length = len(nsn)
        try:
            return self.reasons[length]
        except KeyError:
            import phonenumbers

            probe = phonenumbers.PhoneNumber(country_code=self.code, national_number=int("1" * length))
            result = phonenumbers.is_possible_number_with_reason(probe)
            reason = self.reasons[length] = _problems()[0].get(result, "not a valid number for its country")
            return reason


_CODE_BY_PREFIX: dict[str, int] | None = None  # "44" → 44, built on first use
_CALLING_CODES: dict[int, object] = {}  # code → _CallingCode or _UNSURE, built on first use


def _code_by_prefix() -> dict[str, int]:
    global _CODE_BY_PREFIX
    if _CODE_BY_PREFIX is None:
        import phonenumbers

        _CODE_BY_PREFIX = {str(code): code for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    return _CODE_BY_PREFIX


def _calling_code(code: int):
    try:
        entry = _CallingCode(code)
    except (LookupError, re.error):
        entry = _UNSURE
    _CALLING_CODES[code] = entry
    return entry


def _validate_fast(digits: str) -> tuple[str | None, str] | None:
    """``_validate_slow``'s answer for ``+digits``, or None when not sure."""
    if not _FAST_MIN_DIGITS <= len(digits) <= 15 or not (digits.isascii() and digits.isdigit()):
        return None
    codes = _CODE_BY_PREFIX or _code_by_prefix()
    if digits[0] == "0":  # country calling codes never start with 0
        return None, "unknown country calling code"
    if (code := codes.get(digits[:1])) is not None:
        nsn = digits[1:]
    elif (code := codes.get(digits[:2])) is not None:
        nsn = digits[2:]
    elif (code := codes.get(digits[:3])) is not None:
        nsn = digits[3:]
    else:
        return None, "unknown country calling code"
    if len(nsn) < 2:
        return None, "too short"
    entry = _CALLING_CODES.get(code) or _calling_code(code)
    if entry is _UNSURE:
        return None
    # phonenumbers may strip a national prefix here (+44 07911… → +44 7911…): let it.
    if entry.literal is not None:
        if nsn.startswith(entry.literal):
            return None
    elif entry.prefix is not None:
        match = entry.prefix(nsn)
        if match is not None and not entry.unchanged_by_prefix(match):
            return None
    region = entry.single
    if region is not None:
        try:
            pattern = region.by_length[len(nsn)]
        except KeyError:
            pattern = region.compile(len(nsn))
        if pattern is None:
            verdict = False
        elif pattern is _UNSURE:
            return None
        else:
            verdict = pattern.fullmatch(nsn) is not None
    else:
        verdict = entry.valid(nsn)
        if verdict is _UNSURE:
            return None
    if verdict:
        return "+" + digits, ""
    return None, entry.reason(nsn)


# --------------------------------------------------------------------------------------------
# The fast test in front of the fast path.
#
# _validate_fast still runs a good deal of Python per number, and _read more around it (about
# 2 µs in all). Its "valid as written" answer for ``+<code><NSN>`` fits in one regex per
# calling code and text length, matched against the text itself, e.g. for +49 and 14 characters:
#   \+49                       the calling code, as _validate_fast finds it
#   (?!0)                      parse() would not strip a national prefix (_prefix_guard)
#   (?=(?:general)\Z)(?:types)  valid in the code's region, as _Region.valid (_Region.source);
#                              for a code shared by several regions, one alternative per region
#                              in region_code_for_number's order (_CallingCode._clauses)
# The number patterns are made of digits and digit classes only (checked), and the regex is
# compiled with re.ASCII, so a match also means "+ and ASCII digits". A match is a text whose
# digits _validate_fast finds valid as written, which _read returns as its own E.164 form;
# whatever does not match (an invalid number, a prefix parse() may strip, a region the regex
# cannot express or has not loaded yet, fewer than 3 or more than 15 digits, another writing)
# takes _read. The tests of a prefix (the first 4 characters) are a list by text length, shared
# by all the prefixes of a code, so that two subscripts find a text's test; each regex is
# compiled on the first call of its test. For a code shared by several regions it covers the
# regions loaded by then (the first, and those valid() has reached with a number since), and it
# is compiled again when valid() loads another. Numbers without "+" have no test: their reading
# is another (no "+", an E.164 form that is not the text). A prefix an earlier run met gets
# tests made from the sources that run kept (_kept_tests): no metadata is loaded for them.

_MAX_LENGTH = 16  # "+" and 15 digits, the most E.164 allows
_FAST_TESTS: dict[str, list] = {}  # "+491" → its code's tests by len(text), or _NO_TESTS


def _never(text: str) -> None:
    """The test of a length (or prefix) no regex answers for."""
    return None


_NO_TESTS = [_never] * (_MAX_LENGTH + 1)


def _first_match(text: str):
    """``_FAST_TESTS[text[:4]][len(text)](text)``, when that raised: for a prefix not seen
    before. "+" and 3 digits get their code's tests (or none), 4 digits none (international
    digits without "+", kept so that they do not raise again); any other prefix is not kept,
    which could grow the table without end. A text longer than E.164 allows has no test."""
    key = text[:4]
    tests = _FAST_TESTS.get(key)
    if tests is None:
        if len(key) < 4 or not key.isascii():
            return None
        if key[0] == "+" and key[1:].isdigit():
            tests = _tests_of_prefix(key)
        elif key.isdigit():
            tests = _NO_TESTS
        else:
            return None
        _FAST_TESTS[key] = tests
    length = len(text)
    return tests[length](text) if length < len(tests) else None


def _compiled(source: str | list[str] | None):
    """The fullmatch of a fast test's regex, or None (no regex, or one this Python cannot
    compile: atomic groups, ``_prefix_guard``, are new in Python 3.11). For [first, all] (a
    shared code, ``_fast_source``), a test that matches the first and, where it fails, the
    whole: the same answer as the whole alone (it starts with the first's alternative), but
    only texts of the code's later regions compile it. +1's regex for all 25 regions takes
    some 50 ms to compile, the first region's (the United States) 2 ms: once a run has read
    an invalid +1 number (which loads every region) and kept that regex, each later check of
    a few US numbers pays 2 ms, not 50 (a one-message check: 906 M -> 730 M instructions)."""
    if type(source) is list:
        first, whole = source
        first_test = _compiled(first)
        return None if first_test is None else partial(_staged, first_test, [whole])
    if source is None:
        return None
    try:
        return re.compile(source, re.ASCII).fullmatch
    except re.error:
        return None


def _staged(first, whole: list, text: str):
    """A shared code's test (``_compiled``): ``whole`` holds the source of all its regions'
    regex until it is needed, then its test."""
    match = first(text)
    if match is not None:
        return match
    test = whole[0]
    if type(test) is str:
        test = whole[0] = _compiled(test) or _never
    return test(text)


# What earlier runs kept (rules.phone_cache), loaded with the first prefix; and the tests made
# from it, by calling code (shared by all its prefixes, as a code's own tests are).
_KEPT: phone_cache.Kept | None = None
_KEPT_TESTS: dict[int, list] = {}


def _load_kept() -> phone_cache.Kept:
    global _KEPT
    if _KEPT is None:
        _KEPT = phone_cache.kept()
    return _KEPT


def _tests_of_prefix(prefix: str) -> list:
    """The tests of texts starting with ``prefix`` ("+" and 3 digits): made from what an
    earlier run kept, when it kept this prefix (no phonenumbers needed), else the code's own,
    built from phonenumbers' metadata (and the prefix's code kept)."""
    kept = _load_kept()
    if prefix in kept.codes:
        code = kept.codes[prefix]
        return _NO_TESTS if code is None else _kept_tests(code)
    entry = _calling_code_of(prefix[1:])
    kept.note_code(prefix, None if entry is None else entry.code)
    return _NO_TESTS if entry is None else entry.fast_tests()


def _kept_tests(code: int) -> list:
    """A code's tests by text length, from the sources kept: each compiles its regex on its
    first call; a length with no source kept asks the code's own tests."""
    tests = _KEPT_TESTS.get(code)
    if tests is None:
        sources = _load_kept().sources.get(code, {})
        tests = _KEPT_TESTS[code] = [
            partial(_first_kept_test, code, length) if length in sources else partial(_unkept_test, code, length)
            for length in range(_MAX_LENGTH + 1)]
    return tests


def _first_kept_test(code: int, length: int, text: str):
    """A kept test's first call: compile its regex and put it in its place."""
    test = _KEPT_TESTS[code][length] = _compiled(_load_kept().sources[code][length][0]) or _never
    return test(text)


def _unkept_test(code: int, length: int, text: str):
    """The test of a length no kept source covers (or covers short of a region loaded
    since): the code's own, built from the metadata."""
    entry = _CALLING_CODES.get(code) or _calling_code(code)
    if entry is _UNSURE:
        _KEPT_TESTS[code][length] = _never
        return None
    return entry.fast_tests()[length](text)


def _calling_code_of(digits: str):
    """The _CallingCode of the first 1-3 of ``digits`` (at least 3), as _validate_fast finds
    it, or None (unknown, or left to phonenumbers)."""
    if digits[0] == "0":
        return None
    codes = _CODE_BY_PREFIX or _code_by_prefix()
    code = codes.get(digits[:1]) or codes.get(digits[:2]) or codes.get(digits[:3])
    if code is None:
        return None
    entry = _CALLING_CODES.get(code) or _calling_code(code)
    return None if entry is _UNSURE else entry
