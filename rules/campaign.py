"""WA601–WA605 — campaign: what only shows across the whole batch.

Duplicates, the pair rate limit and the messaging limit are properties of the batch, not of
one payload. These rules observe every message as it streams past and report once the
stream ends, each finding naming the message that triggers it (the second copy, the message
past the burst, the first recipient past the limit).

Memory: a campaign may hold a million messages, so nothing here keeps a payload. One
``Ledger`` per run, shared by these rules through ``ctx.shared``, holds one integer per
recipient (its E.164 digits) mapping to one packed integer: where its first message is,
whether it got a template, and a 64-bit digest of its first message's content. How many
messages a recipient gets, and the digests of further messages, are kept only for recipients
seen twice.

Recipients are compared in E.164 (``+49 151 23456789`` is ``+4915123456789``); a ``to``
that is not a valid number (WA301) or a group is not counted.

Facts: pair rate limit — Meta, Cloud API overview
(https://developers.facebook.com/documentation/business-messaging/whatsapp/) and 131056 on
the error-codes page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes);
messaging limits — Meta, "Messaging limits"
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits);
the facts file §7 and checks 29 and 31.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from itertools import compress
from operator import is_not
from typing import Any, ClassVar, NamedTuple

import orjson
from pydantic import Field

from validator.findings import Severity
from validator.message import Message
from validator.rule import (
    Context,
    Gathering,
    MessageRef,
    Problem,
    Records,
    Rule,
    RuleOptions,
    Scope,
    Shift,
)

from .audience import contacts_for, e164, in_service_window, recipient_key, send_time_for, setting
from .phone import e164_of

__all__ = [
    "DuplicateMessage",
    "DuplicateRecipient",
    "Ledger",
    "MessagingLimitExceeded",
    "MessagingLimitNear",
    "PairRateLimit",
]

#: Keys that address or tag a send but are not what the person receives.
_ENVELOPE = frozenset({"to", "recipient", "recipient_type", "messaging_product",
                       "biz_opaque_callback_data"})
# An entry: where the recipient's first message is — the part of the input it is in, the
# message's index and line + 1 (none: 0) within that part —, whether a template went to the
# recipient, and the first message's digest. A part is a file checked in this process (its
# number) or a chunk of a file checked by a worker process (``_CHUNK`` and the run's number
# of the chunk, ``Shift.chunk``): a chunk's entries are made in the worker and go into the
# ledger as they are, with the number of their message's description above the digest.
# 149 bits (161 with that number): a Python int of five or six 30-bit digits, 48 bytes either
# way, for every recipient (four billion lines a part, half a million files or chunks: far
# past any campaign; ``_pack`` refuses more, and a worker then sends its records one by one).
_LINE_BITS = _INDEX_BITS = 32
_PART_BITS = 20
_CHUNK = 1 << (_PART_BITS - 1)
_PART_SHIFT = _LINE_BITS + _INDEX_BITS
_REF_BITS = _PART_SHIFT + _PART_BITS
_REF_MASK = (1 << _REF_BITS) - 1
_TEMPLATE_BIT = _REF_BITS
_DIGEST_SHIFT = _REF_BITS + 1
_DIGEST_MASK = (1 << 64) - 1
_LINE_MASK = (1 << _LINE_BITS) - 1
_INDEX_MASK = (1 << _INDEX_BITS) - 1
#: A chunk's entry (``_Sightings``) also says how its message is described, by number.
_WHAT_SHIFT = _DIGEST_SHIFT + 64


class Sighting(NamedTuple):
    """What the ledger knows about a message's recipient once the message is counted. Messages
    are named by packed refs (``Ledger.ref`` makes a ``MessageRef`` of one): a rule keeping
    them until the run ends keeps an integer each, not a ``MessageRef`` (a campaign may have a
    finding for every message)."""

    key: int
    #: Messages to this recipient so far, this one included.
    count: int
    #: The first message to this recipient (None when this message is the first).
    first: int | None
    #: An earlier message to this recipient with identical content, if any.
    copy_of: int | None
    #: This is the first template message to this recipient.
    first_template: bool
    #: This message.
    at: int


def content_digest(payload: dict) -> int:
    """64 bits that differ when what the person receives differs (the envelope left out):
    a hash of the content in canonical form with every text blanked, and of the texts.
    Lines read through a skeleton get the same digest from ``Ledger.line_record``."""
    structure, holders = _content(payload)
    return (hash(tuple([holder["text"].encode("utf-8", "surrogatepass") for holder in holders]))
            ^ structure) & _DIGEST_MASK


def _content(payload: dict) -> tuple[int, list[dict]]:
    """A hash of the content (``payload`` without its envelope) in canonical form, every
    ``"text"`` string blanked; and the objects holding those texts, in canonical order."""
    holders: list[dict] = []
    content = _blanked({k: v for k, v in payload.items() if k not in _ENVELOPE}, holders)
    try:
        data = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits, or objects a library caller handed over
        data = json.dumps(content, sort_keys=True, separators=(",", ":"), default=repr).encode()
    return hash(data), holders


def _blanked(node: Any, holders: list[dict]) -> Any:
    """``node`` with every ``"text"`` string made empty, keys in sorted order; the objects
    holding a text are appended to ``holders`` in that order."""
    if isinstance(node, dict):
        try:
            keys = sorted(node)
        except TypeError:  # keys that are not all strings (a library caller's payload)
            keys = list(node)
        blank = {}
        for key in keys:
            value = node[key]
            if key == "text" and isinstance(value, str):
                holders.append(node)
                blank[key] = ""
            else:
                blank[key] = _blanked(value, holders)
        return blank
    if isinstance(node, list):
        return [_blanked(item, holders) for item in node]
    return node


class Seen(NamedTuple):
    """What the ledger needs of one message (``Ledger.record``): small enough to cross from
    a worker process for every message of a campaign."""

    key: int
    digest: int
    template: bool
    #: How a duplicate's finding names the message (``describe``).
    what: str
    #: The ledger's entry for the message as a recipient's first, but for where the message
    #: is (worked out where the record is made, so that a chunk's ``_Sightings`` only adds that).
    entry: int


def _seen(key: int, digest: int, template: bool, what: str) -> Seen:
    what_id = _WHAT_IDS.get(what)
    if what_id is None:
        what_id = len(_WHATS)
        if what_id < _WHAT_LIMIT:
            _WHAT_IDS[what] = what_id
            _WHATS.append(what)
    entry = template << _TEMPLATE_BIT | digest << _DIGEST_SHIFT | what_id << _WHAT_SHIFT
    # tuple.__new__ rather than Seen(...): half the cost, paid for every line.
    return _new_seen(Seen, (key, digest, template, what, entry))


#: The descriptions of messages (``describe``) met in this process, by number: a chunk's
#: entries name theirs by number (``_Part.whats``). A campaign has a few (one per template
#: and language); past ``_WHAT_LIMIT`` (a broken export, a name on every line) the others
#: are numbered ``_WHAT_LIMIT`` and a chunk sends them by recipient (``_Part.unnamed``).
_WHATS: list[str] = []
_WHAT_IDS: dict[str, int] = {}
_WHAT_LIMIT = 4096


class _Part(NamedTuple):
    """One chunk's sightings (``_Sightings``), refs counted within the chunk."""

    #: Recipients seen once in the chunk: the ledger's entry for them (naming the chunk),
    #: with the number of the message's description in ``whats``.
    firsts: dict[int, int]
    whats: list[str]
    #: Recipients seen more than once in the chunk: each sighting, in input order.
    repeats: dict[int, list[tuple[MessageRef, Seen]]]
    #: The description of each recipient's first message that has no number.
    unnamed: dict[int, str]


class _Sightings(Gathering):
    """A chunk's sightings as they are made, in a worker: the ledger's entry of each
    recipient seen once, each sighting of those seen again (``_Part``)."""

    __slots__ = ("firsts", "part_and_one", "repeats", "unnamed", "unnamed_from")

    def __init__(self, chunk: int) -> None:
        #: The entry's part (the chunk), plus the 1 added to a line number.
        self.part_and_one = ((_CHUNK | chunk) << _PART_SHIFT) + 1
        self.firsts: dict[int, int] = {}
        self.repeats: dict[int, list[tuple[MessageRef, Seen]]] = {}
        self.unnamed: dict[int, str] = {}
        self.unnamed_from = _WHAT_LIMIT << _WHAT_SHIFT

    def add(self, ref: MessageRef, seen: Seen) -> None:
        # seen[0] is the key, seen[4] the entry: index access is the cheaper, for every line.
        # Where the message is (part, index, line + 1) is put together first, in integers of
        # half the entry's size: one operation on the whole entry, not three.
        entry = seen[4] | self.part_and_one + (ref[1] << _LINE_BITS) + ref[2]
        if self.firsts.setdefault(seen[0], entry) is not entry:
            self._again(ref, seen)
        elif entry >= self.unnamed_from:
            self.unnamed[seen[0]] = seen[3]

    def add_line(self, extract: Callable[[bytes, str], Any], file: str, line: bytes, to: str,
                 index: int, number: int) -> None:
        """``add`` of the record of a line read through a skeleton, made here from its
        skeleton's ``_LineRecord`` as that would make it, straight into the entry: for every
        line of a campaign, a call and two tuples fewer (the ``Seen`` is made for a repeat
        only)."""
        if type(extract) is not _LineRecord:
            Gathering.add_line(self, extract, file, line, to, index, number)
            return
        e164 = e164_of(to)
        if e164 is None:
            return
        digest = (hash(extract.texts(line)) ^ extract.structure) & _DIGEST_MASK
        entry = extract.bits | digest << _DIGEST_SHIFT | self.part_and_one + (index << _LINE_BITS) + number
        key = int(e164)
        if self.firsts.setdefault(key, entry) is not entry:
            self._again((file, index, number), _new_seen(Seen, (
                key, digest, extract.template, extract.what, extract.bits | digest << _DIGEST_SHIFT)))
        elif entry >= self.unnamed_from:
            self.unnamed[key] = extract.what

    def _again(self, ref: MessageRef, seen: Seen) -> None:
        """A recipient seen before in the chunk: its sightings are kept, the first's
        worked out from its entry."""
        key = seen[0]
        sightings = self.repeats.get(key)
        if sightings is None:
            entry = self.firsts[key]
            first = MessageRef(ref[0], *_place(entry))
            sightings = self.repeats[key] = [(first, _first_seen(key, entry, _WHATS, self.unnamed))]
        sightings.append((ref, seen))

    def result(self) -> _Part:
        for key in self.repeats:
            del self.firsts[key]
            self.unnamed.pop(key, None)
        return _Part(self.firsts, list(_WHATS), self.repeats, self.unnamed)


class _LineRecord:
    """``Ledger.line_record``: the fields of the ``Seen`` of a line read through a skeleton,
    as a plain tuple (see ``Ledger.see``), from the line and its ``to``. The description and
    the blanked content are the skeleton's, worked out once; a line's digest hashes them with
    its own texts, as ``content_digest`` does. A worker's ``_Sightings`` takes the line
    without the record (``add_line``)."""

    __slots__ = ("bits", "structure", "template", "texts", "what")

    def __init__(self, texts: Callable[[bytes], tuple[bytes, ...]], structure: int,
                 template: bool, what: str, bits: int) -> None:
        self.texts = texts
        self.structure = structure
        self.template = template
        self.what = what
        #: The entry of a line's ``Seen`` but for its digest.
        self.bits = bits

    def __call__(self, line: bytes, to: str) -> tuple | None:
        # (_Sightings.add_line does the same, without making the record.)
        number = e164_of(to)
        if number is None:
            return None
        digest = (hash(self.texts(line)) ^ self.structure) & _DIGEST_MASK
        return int(number), digest, self.template, self.what, self.bits | digest << _DIGEST_SHIFT


def _place(entry: int) -> tuple[int, int | None]:
    """The index and line of the message an entry (or a packed ref) names, within its part."""
    line = entry & _LINE_MASK
    return entry >> _LINE_BITS & _INDEX_MASK, line - 1 if line else None


def _first_seen(key: int, entry: int, whats: list[str], unnamed: dict[int, str]) -> Seen:
    """The record of a recipient's first sighting, from its entry."""
    what_id = entry >> _WHAT_SHIFT
    return _seen(key, entry >> _DIGEST_SHIFT & _DIGEST_MASK, bool(entry >> _TEMPLATE_BIT & 1),
                 whats[what_id] if what_id < len(whats) else unnamed[key])


_new_seen = tuple.__new__


class Ledger:
    """One entry per recipient for the whole run (see the module docs)."""

    __slots__ = ("_chunks", "_file_numbers", "copies", "counts", "entries", "files", "on")

    def __init__(self) -> None:
        self.entries: dict[int, int] = {}
        #: Messages to each recipient seen more than once.
        self.counts: dict[int, int] = {}
        self.copies: dict[int, int] = {}
        self.files: list[str] = []
        self._file_numbers: dict[str, int] = {}
        #: Where each chunk absorbed so far starts, by its number.
        self._chunks: dict[int, Shift] = {}
        #: The rules told of each sighting, by what they want to hear of
        #: (``_LedgerRule.on``): most messages are a recipient's first, which concerns no
        #: duplicate or burst.
        self.on: dict[str, list[_LedgerRule]] = {"repeat": [], "first-template": [], "every": []}

    @classmethod
    def of(cls, ctx: Context) -> Ledger:
        ledger = ctx.shared.get(__name__)
        if ledger is None:
            ledger = ctx.shared[__name__] = cls()
        return ledger

    def record(self, message: Message) -> Seen | None:
        """What counting ``message`` needs; None when it has no phone recipient."""
        if message.problem is not None:
            return None
        payload = message.payload
        key = recipient_key(payload)
        if key is None:
            return None
        return _seen(key, content_digest(payload), message.kind == "template", describe(payload))

    def line_record(self, message: Message) -> Callable[[bytes, str], tuple | None]:
        """``record`` of each line read through ``message``'s skeleton, from the line and its
        ``to`` (a ``_LineRecord``)."""
        payload = message.payload
        if payload.get("recipient_type") == "group":
            return lambda line, to: None
        skeleton = message.skeleton
        structure, holders = _content(payload)
        position = {id(holder): number for number, holder in enumerate(skeleton.holders)}
        texts = skeleton.values([position[id(holder)] for holder in holders])
        fixed = _seen(0, 0, message.kind == "template", describe(payload))
        return _LineRecord(texts, structure, fixed.template, fixed.what, fixed.entry)

    def see(self, ref: MessageRef, record: Seen | tuple, ctx: Context) -> Sighting:
        """Count the message at ``ref`` and tell the rules it concerns. ``record`` may be the
        fields of a ``Seen`` as a plain tuple (``line_record`` makes them so, at half the
        cost, for every line): the rules, told of few sightings, get a ``Seen``."""
        seen = self._count(ref, record)
        on = self.on
        repeat = seen.count > 1 and on["repeat"]
        first_template = seen.first_template and on["first-template"]
        if repeat or first_template or on["every"]:
            record = _new_seen(Seen, record)
            for rule in repeat or ():
                rule.saw(ref, record, seen, ctx)
            for rule in first_template or ():
                rule.saw(ref, record, seen, ctx)
            for rule in on["every"]:
                rule.saw(ref, record, seen, ctx)
        return seen

    # -- a chunk at a time (parallel runs: validator.rule.Rule.gathering/absorb) -------------
    def gathering(self, chunk: int | None) -> Gathering:
        """In a worker, at a chunk's start: what takes the chunk's sightings (``_Sightings``).
        The rules told of a recipient's first template or of every sighting (the messaging
        limit) count recipients in input order across all of them: for them the sightings go
        as they are, one by one (and so they do when the chunks are too many for an entry
        to name)."""
        if self.on["first-template"] or self.on["every"] or chunk is None or chunk >= _CHUNK:
            return Records()
        return _Sightings(chunk)

    def absorb(self, part: _Part, shift: Shift, ctx: Context) -> None:
        """In the main process, chunk after chunk: count a chunk's sightings as ``see`` would
        have counted them one by one. A recipient new to the ledger and seen once in the chunk
        concerns no rule yet: its entry, made in the worker, goes in as it is. The others —
        seen in an earlier chunk, or again in this one — are counted one by one. (The entries
        go in with one ``setdefault`` each, which also tells which recipients were there
        before: the ledger is large, and each look into it is a cache miss.)"""
        self._chunks[shift.chunk] = shift
        firsts = part.firsts
        entries = list(firsts.values())
        kept = list(map(self.entries.setdefault, firsts, entries))
        for key, entry in compress(firsts.items(), map(is_not, kept, entries)):  # seen before
            self.see(self.ref(entry & _REF_MASK), _first_seen(key, entry, part.whats, part.unnamed), ctx)
        for key, sightings in part.repeats.items():
            for ref, seen in sightings:
                self.see(shift.ref(ref), seen, ctx)

    def _pack(self, ref: MessageRef) -> int:
        number = self._file_numbers.get(ref.file)
        if number is None:
            number = self._file_numbers[ref.file] = len(self.files)
            self.files.append(ref.file)
        line = 0 if ref.line is None else ref.line + 1
        if number >= _CHUNK or ref.index >> _INDEX_BITS or line >> _LINE_BITS:
            raise OverflowError(f"{ref.file}:{ref.line}: beyond what the ledger of recipients "
                                "holds (half a million files, four billion lines a file)")
        return (number << _PART_SHIFT) | (ref.index << _LINE_BITS) | line

    def ref(self, packed: int) -> MessageRef:
        part = packed >> _PART_SHIFT
        if part & _CHUNK:
            return self._chunks[part ^ _CHUNK].ref((None, *_place(packed)))
        return MessageRef(self.files[part], *_place(packed))

    def _count(self, at: MessageRef, record: Seen) -> Sighting:
        key, digest, template = record[:3]
        ref = self._pack(at)
        entry = self.entries.get(key)
        if entry is None:
            self.entries[key] = ref | (template << _TEMPLATE_BIT) | (digest << _DIGEST_SHIFT)
            return Sighting(key, 1, None, None, template, ref)
        first = entry & _REF_MASK
        had_template = bool(entry >> _TEMPLATE_BIT & 1)
        count = self.counts[key] = self.counts.get(key, 1) + 1
        first_digest = entry >> _DIGEST_SHIFT & _DIGEST_MASK
        if count == 2:
            self.copies[(key << 64) | first_digest] = first
        copy = self.copies.setdefault((key << 64) | digest, ref)
        if template and not had_template:
            self.entries[key] = entry | (1 << _TEMPLATE_BIT)
        return Sighting(key, count, first, copy if copy != ref else None,
                        template and not had_template, ref)


def where(earlier: MessageRef, later: MessageRef) -> str:
    """How a finding on ``later`` points at ``earlier``: ``line 3``, ``other.jsonl:3``."""
    if earlier.line is None:
        spot = f"index {earlier.index}"
        return spot if earlier.file == later.file else f"{earlier.file} {spot}"
    return f"line {earlier.line}" if earlier.file == later.file else f"{earlier.file}:{earlier.line}"


def describe(payload: dict) -> str:
    """What a message is, for a duplicate's finding: ``template order_update/en_US``."""
    template = payload.get("template")
    if isinstance(template, dict):
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        return f"template {template.get('name')}/{code} with the same parameters"
    kind = payload.get("type", "text")
    return f"{kind} message with the same content"


class _LedgerRule(Rule):
    """A campaign rule that reads the ledger: one shared ``extract`` (the ledger's record of
    a message) and one shared ``collect`` (counting it), after which the ledger calls
    ``saw`` of the rules the sighting concerns (``on``: ``"repeat"`` for the later messages
    to a recipient, ``"first-template"`` for a recipient's first template, ``"every"``)."""

    scope = Scope.CAMPAIGN
    shared_observe = True
    on: ClassVar[str] = "repeat"

    def start(self, ctx):
        Ledger.of(ctx).on[self.on].append(self)

    def extract(self, message, ctx):
        return Ledger.of(ctx).record(message)

    def skeleton_extract(self, message, ctx):
        return Ledger.of(ctx).line_record(message)

    def collect(self, ref, record, ctx):
        Ledger.of(ctx).see(ref, record, ctx)

    def gathering(self, ctx):
        return Ledger.of(ctx).gathering(ctx.chunk)

    def absorb(self, gathered, shift, ctx):
        Ledger.of(ctx).absorb(gathered, shift, ctx)

    def saw(self, ref: MessageRef, record: Seen, seen: Sighting, ctx: Context) -> None:
        raise NotImplementedError


def _found(rule: Rule, ctx: Context) -> list[Any]:
    """The rule's findings of this run (``ctx.shared`` is per run; rules live longer)."""
    found = ctx.shared.get(rule)
    if found is None:
        found = ctx.shared[rule] = []
    return found


class DuplicateRecipient(_LedgerRule):
    """The same recipient gets more than one message in the campaign.

    **What it does**
    Compares every ``to`` in E.164, across all files of the run, so ``+49 151 23456789`` and
    ``+4915123456789`` are the same person. The second and every later message to a
    recipient is reported, pointing at the first. A copy with the same content is WA602's
    (an error), not reported here. Invalid numbers (WA301) and groups are not compared.

    **Why is this bad?**
    The API sends each request, so nothing fails — but two messages to one person in one
    campaign is usually a join gone wrong in the audience export, and it spends the pair
    rate limit (WA603) and the person's patience. A warning: a reminder and a follow-up
    may be meant.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Your order has shipped."}}
    {"messaging_product": "whatsapp", "to": "+49 151 23456789", "type": "text", "text": {"body": "How was your delivery?"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Your order has shipped."}}
    {"messaging_product": "whatsapp", "to": "+4915123456780", "type": "text", "text": {"body": "How was your delivery?"}}
    ```
    """

    code = "WA601"
    name = "duplicate-recipient"
    severity = Severity.WARNING

    def saw(self, ref, record, seen, ctx):
        if seen.first is not None and seen.copy_of is None:
            _found(self, ctx).append((seen.at, seen.first, seen.key))

    def finish(self, ctx):
        ref = Ledger.of(ctx).ref
        for at, first, key in _found(self, ctx):
            at = ref(at)
            yield Problem("to", f"{e164(key)} already gets a message at {where(ref(first), at)}: "
                                "the same person is messaged twice in this campaign", at=at)


class DuplicateMessage(_LedgerRule):
    """The same message goes to the same recipient twice.

    **What it does**
    Reports a message whose recipient (in E.164) already gets a message with identical
    content in the campaign: the same template with the same parameters, or the same text,
    media or interactive object. Only what the person receives is compared: ``to``,
    ``recipient_type``, ``messaging_product`` and ``biz_opaque_callback_data`` are left
    out, so a copy with a fresh tracking id is still a copy. Key order does not matter.

    **Why is this bad?**
    The API sends both: the person receives the same message twice, which reads as spam
    and invites blocks and reports (which lower the number's quality rating and, in turn,
    its messaging limit). No API error predicts it — the cost comes after delivery.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}, "biz_opaque_callback_data": "retry-2"}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA602"
    name = "duplicate-message"

    def saw(self, ref, record, seen, ctx):
        if seen.copy_of is not None:
            _found(self, ctx).append((seen.at, seen.copy_of, seen.key, record.what))

    def finish(self, ctx):
        ref = Ledger.of(ctx).ref
        for at, copy, key, what in _found(self, ctx):
            at = ref(at)
            yield Problem("", f"the same {what} already goes to {e164(key)} at "
                              f"{where(ref(copy), at)}: the person would receive it twice", at=at)


class PairRateOptions(RuleOptions):
    #: Messages to one user Meta accepts in one burst (Meta: "bursts of up to 45 messages").
    max_burst: int = Field(45, ge=1)


class PairRateLimit(_LedgerRule):
    """More messages to one recipient than the pair rate limit lets through in one burst.

    **What it does**
    Counts the messages to each recipient (in E.164) in the campaign and reports every
    message past ``max_burst`` (default 45). A campaign file has no send times, so walint
    reads it the way a sender sends it: as fast as throughput allows, every message to one
    person within seconds of the others — one burst.

    Meta's pair rate limit is one message every 6 seconds to the same user, with bursts of
    up to 45 messages in 6 seconds allowed (then the burst is paid back: a burst of 20 costs
    about 2 minutes of cooldown). walint takes the burst as the limit a batch can reach;
    set ``max_burst`` to 1 for the strict one-per-6-seconds reading, e.g. when this
    campaign follows another one to the same people within minutes.

    **Why is this bad?**
    Past the burst the API refuses the message with 131056 ("pair rate limit hit"); other
    recipients are not affected. Retrying works only after backing off for that recipient
    (Meta: 4^X seconds), which a bulk sender rarely does.

    **Example**
    With ``options = {WA603 = {max_burst = 2}}`` (the default is 45):
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Part 1 of 3"}}
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Part 2 of 3"}}
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Part 3 of 3"}}
    ```

    **Use instead**
    Send fewer, longer messages (or spread them over separate sends):
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Parts 1 to 3, in one message"}}
    ```
    """

    code = "WA603"
    name = "pair-rate-limit"
    api_error = 131056
    Options = PairRateOptions
    example_settings: dict[str, Any] = {"options": {"WA603": {"max_burst": 2}}}

    def saw(self, ref, record, seen, ctx):
        if seen.count > self.options.max_burst:
            _found(self, ctx).append((seen.at, seen.key, seen.count))

    def finish(self, ctx):
        limit, ref = self.options.max_burst, Ledger.of(ctx).ref
        for at, key, count in _found(self, ctx):
            yield Problem("to", f"message {count} to {e164(key)} in this campaign: the pair rate "
                                f"limit lets at most {limit} through in a burst (then one every "
                                "6 s); this one would be refused — send it later", at=ref(at))


# -- messaging limit --------------------------------------------------------------------------
def messaging_limit(ctx: Context) -> int | None:
    """The configured messaging limit (None: not configured, or unlimited), read once a run."""
    key = (__name__, "messaging_limit")
    if key in ctx.shared:
        return ctx.shared[key]
    value = setting(ctx, "messaging_limit")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    limit = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
    ctx.shared[key] = limit
    return limit


class _LimitCount:
    """Unique recipients of business-initiated templates in one run."""

    __slots__ = ("at", "at_key", "contacts", "over", "over_keys", "send_at", "total")

    def __init__(self, ctx: Context) -> None:
        self.total = 0
        self.at: MessageRef | None = None
        self.at_key = 0
        #: Messages to recipients past the limit (kept only for ``report_all``).
        self.over: list[tuple[MessageRef, int]] = []
        self.over_keys: set[int] = set()
        self.contacts = contacts_for(ctx)
        self.send_at = send_time_for(ctx) if self.contacts is not None else None


class _MessagingLimitRule(_LedgerRule):
    on = "first-template"
    needs_settings = ("messaging_limit",)

    def _threshold(self, limit: int) -> int:
        raise NotImplementedError

    def _state(self, ctx: Context) -> _LimitCount:
        state = ctx.shared.get(self)
        if state is None:
            state = ctx.shared[self] = _LimitCount(ctx)
        return state

    def _counts(self, ref: MessageRef, seen: Sighting, ctx: Context) -> tuple[_LimitCount, int] | None:
        """Count the message at ``ref`` when it opens a business-initiated conversation with
        a new user (its first template)."""
        limit = messaging_limit(ctx)
        if limit is None or not seen.first_template:
            return None
        state = self._state(ctx)
        if state.contacts is not None and in_service_window(state.contacts, seen.key,
                                                             state.send_at):
            return None  # inside a window the user opened: not limited
        state.total += 1
        if state.total == self._threshold(limit):
            state.at, state.at_key = ref, seen.key
        return state, limit


class MessagingLimitNear(_MessagingLimitRule):
    """The campaign uses most of the messaging limit (80 % or more).

    **What it does**
    Counts the unique recipients (in E.164) of template messages — the conversations a
    business opens — against the ``messaging-limit`` setting (250, 2K, 10K, 100K or
    unlimited; see the facts file §7). Recipients whose 24-hour service window is open at
    ``send-at`` (from the ``contacts`` file) are not counted: the limit covers users reached
    *outside* a window. Without a contacts file every template recipient counts. From
    ``warn_at`` (default 0.8) of the limit up to the limit itself the first recipient at
    the threshold is reported; past the limit WA605 reports instead. Silent when no limit
    is configured.

    **Why is this bad?**
    The limit is per business portfolio over a moving 24 hours and shared by all its
    numbers: another campaign or number sending today takes from the same allowance, and
    this campaign leaves little of it. No API error is predicted here — nothing fails yet.

    **Example**
    With ``messaging-limit = 5``:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456781", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456782", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456783", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456784", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Use instead**
    Split the audience over days, or grow the limit first:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456781", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456782", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456783", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    class Options(RuleOptions):
        #: Share of the limit from which the campaign is reported.
        warn_at: float = Field(0.8, gt=0, lt=1)

    code = "WA604"
    name = "messaging-limit-near"
    severity = Severity.WARNING
    example_settings: dict[str, Any] = {"messaging_limit": 5}

    def _threshold(self, limit: int) -> int:
        return max(1, math.ceil(self.options.warn_at * limit - 1e-9))

    def saw(self, ref, record, seen, ctx):
        self._counts(ref, seen, ctx)

    def finish(self, ctx):
        limit = messaging_limit(ctx)
        state = ctx.shared.get(self)
        if limit is None or state is None or state.at is None or state.total > limit:
            return
        threshold = self._threshold(limit)
        yield Problem("to", f"{e164(state.at_key)} is unique recipient {threshold} of "
                            f"business-initiated templates, {_percent(threshold, limit)} of the "
                            f"messaging limit of {limit} a 24 h; the campaign reaches "
                            f"{state.total} ({_percent(state.total, limit)}) — little is left "
                            "for anything else sent today", at=state.at)


class MessagingLimitExceeded(_MessagingLimitRule):
    """The campaign reaches more unique users than the messaging limit allows.

    **What it does**
    Counts unique recipients of business-initiated template messages like WA604 and, once
    the count passes the ``messaging-limit`` setting, reports the first recipient past it,
    with how many are over. With ``report_all = true`` it reports every template message to
    a recipient past the limit instead, so that ``--write-failed`` holds back exactly the
    messages that would not go out. Silent when no limit is configured.

    **Why is this bad?**
    Meta lets a business portfolio open conversations with at most that many unique users
    outside a service window per moving 24 hours (250 for a new portfolio, then 2,000,
    10,000, 100,000, unlimited). Messages past it are not delivered. Meta documents no
    dedicated error code for this (the facts file, check 31), so the finding predicts none
    (``api_error`` null); the error severity is walint's: part of the audience is missed.

    **Example**
    With ``messaging-limit = 2``:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456781", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456782", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456783", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Use instead**
    Send to fewer people today (at the limit itself WA604 warns), the rest tomorrow:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456781", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    class Options(RuleOptions):
        #: Report every message past the limit, not only the first recipient.
        report_all: bool = False

    code = "WA605"
    name = "messaging-limit-exceeded"
    example_settings: dict[str, Any] = {"messaging_limit": 2}

    on = "every"  # with report_all, every later template to a recipient past the limit

    def _threshold(self, limit: int) -> int:
        return limit + 1

    def saw(self, ref, record, seen, ctx):
        counted = self._counts(ref, seen, ctx)
        if not self.options.report_all or not record.template:
            return
        state = ctx.shared.get(self)
        if state is None:
            return
        key = record.key
        if counted is not None and state.total > counted[1]:
            state.over_keys.add(key)  # a new recipient past the limit
        if key in state.over_keys:  # ... and every later template message to one
            state.over.append((ref, key))

    def finish(self, ctx):
        limit = messaging_limit(ctx)
        state = ctx.shared.get(self)
        if limit is None or state is None or state.total <= limit:
            return
        beyond = state.total - limit
        if self.options.report_all:
            for at, key in state.over:
                yield Problem("to", f"{e164(key)} is past the messaging limit of {limit} unique "
                                    f"users a 24 h (the campaign reaches {state.total}): this "
                                    "message will not be delivered", at=at)
            return
        yield Problem("to", f"{e164(state.at_key)} is unique recipient {limit + 1} of "
                            f"business-initiated templates; the messaging limit is {limit} a "
                            f"24 h and the campaign reaches {state.total}: {beyond} "
                            f"recipient{'s' if beyond != 1 else ''}, from this one on, will "
                            "not be delivered", at=state.at)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %"
