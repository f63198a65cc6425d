"""The rule contract: how a check declares itself and what it hands back.

A rule is a class. Its declaration (code, name, default severity, the Meta error it
predicts, scope, the message types it reads, options) lives in one place, and its docstring
is its manual: what it does, why it matters, an ``Example`` that fails and a ``Use instead``
that passes. The engine, not the rule, decides severity (from configuration) and where the
finding points (file, line, index): a rule only says *what* is wrong and *where in the
payload*.

Scopes are declared, not guessed:

* ``Scope.MESSAGE`` — ``check(payload, ctx)`` is a pure function of one payload, the registry
  and the options. It runs only for the message types in ``message_types`` (``None``: every
  JSON object), so a template rule costs nothing on a text message.
* ``Scope.CAMPAIGN`` — ``observe(message, ctx)`` sees every message as it streams past and
  records what the batch needs (recipients, counts); ``finish(ctx)`` yields problems once the
  stream ends, each naming the message it is about with ``at``.
* ``Scope.NETWORK`` — like a campaign rule, but ``finish`` needs the network and is skipped
  under ``--offline``. ``observe`` still runs offline (it only records, cheaply), so that
  ``urls(ctx)`` can say how many distinct links were checked — or skipped — for the summary.
* ``Scope.FILE`` — a local file about to be uploaded (``walint media``), not a campaign
  message: ``check(media, ctx)`` gets a ``validator.media.MediaFile``. Campaign runs never
  call these rules.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict

from .findings import Severity, constructed, deferred_signature
from .fix import Fix

if TYPE_CHECKING:
    from .message import Message
    from .registry import Registry

__all__ = [
    "DEFAULT",
    "NO_RECORDS",
    "Context",
    "Gathering",
    "MessageRef",
    "Problem",
    "Records",
    "Rule",
    "RuleOptions",
    "Scope",
    "Shift",
]

CODE_PATTERN = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class Scope(str, Enum):
    MESSAGE = "message"
    CAMPAIGN = "campaign"
    NETWORK = "network"
    FILE = "file"

    def __str__(self) -> str:
        return self.value


class _Default:
    """Marker: use the rule's declared ``api_error`` (None is a real value: no code applies)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self) -> str:
        return "DEFAULT"  # unpickled as this module's one DEFAULT (problems cross processes)


DEFAULT: Any = _Default()


class _NoRecords:
    """What ``Rule.skeleton_extract`` returns when no later line of a skeleton has a record."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_RECORDS"


NO_RECORDS: Any = _NoRecords()


class MessageRef(NamedTuple):
    """Where a message is, kept by campaign rules instead of the message itself.

    ``index`` and ``line`` are None for a finding about a whole file."""

    file: str
    index: int | None
    line: int | None


class Shift(NamedTuple):
    """Where a chunk of a file starts (``Rule.absorb``): the messages and lines before it,
    and the run's number for the chunk, which the worker that checked it knew as
    ``Context.chunk``."""

    file: str
    index: int
    line: int
    chunk: int

    def ref(self, local: MessageRef | tuple) -> MessageRef:
        """The file's ref of a message whose ref was counted within the chunk (a
        ``MessageRef``, or its fields as a plain tuple)."""
        _, index, line = local
        return MessageRef(self.file, self.index + index, None if line is None else self.line + line)


class Gathering:
    """What a worker process makes of one chunk's records of a rule (``Rule.gathering``):
    ``add`` takes each (ref, record) in input order, the ref counted within the chunk — a
    ``MessageRef``, or for lines read through skeletons its fields as a plain tuple (read it
    by position; ``Shift.ref`` takes both) —, and ``result`` is what goes to the main
    process. A line read through a skeleton comes to ``add_line`` with its rule's
    ``Rule.skeleton_extract`` function (only ``add`` and ``result`` are required)."""

    __slots__ = ()

    def add(self, ref: MessageRef | tuple, record: Any) -> None:
        raise NotImplementedError

    def add_line(self, extract: Callable[[bytes, str], Any], file: str, line: bytes, to: str,
                 index: int, number: int) -> None:
        """A line read through a skeleton, with the function its rule's
        ``Rule.skeleton_extract`` made for the skeleton: ``add`` of its record, by default. A
        gathering that knows that function may take the line itself, making no record."""
        record = extract(line, to)
        if record is not None:
            self.add((file, index, number), record)

    def result(self) -> Any:
        raise NotImplementedError


class Records(list, Gathering):
    """The default gathering: a chunk's records as they are, (ref, record) in input order.
    The main process collects them one by one, as ``collect`` would have in one process (a
    crash is that message's finding); ``Rule.absorb`` takes any other result."""

    __slots__ = ()

    def add(self, ref: MessageRef | tuple, record: Any) -> None:
        self.append((ref, record))

    def result(self) -> Records:
        return self


class Problem(NamedTuple):
    """What a rule yields: the payload location, a message naming the offending value, and
    optionally a more precise API error than the rule's default (a paused template is 132015,
    a disabled one 132016). Campaign and network rules set ``at`` to the message concerned.
    ``fix`` is the repair, when the rule knows the one correct one (``validator.fix``)."""

    path: str
    message: str
    api_error: Any = DEFAULT
    at: MessageRef | None = None
    fix: Fix | None = None


class RuleOptions(BaseModel):
    """Base of a rule's options. Unknown keys are an error that names the key."""

    # Built on first validation, not at import: most runs set no option, and a rule's
    # defaults need no schema (``Rule.__init__``). A pack's options are built when the pack
    # loads (``validator.catalog``), so a broken one is still reported by name.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        deferred_signature(cls)


deferred_signature(RuleOptions)


def _defaults(options: type[RuleOptions]) -> RuleOptions:
    """``options()``: the defaults, without building the model's schema when validating
    them would do nothing (no validator, no default validated, nothing required)."""
    if not (isinstance(options, type) and issubclass(options, BaseModel)):
        return options()
    plain = _PLAIN_OPTIONS.get(options)
    if plain is None:
        plain = _PLAIN_OPTIONS[options] = (
            options.__init__ is BaseModel.__init__
            and options.__pydantic_post_init__ is None
            and not options.__pydantic_decorators__.model_validators
            and not options.model_config.get("validate_default")
            and all(not f.is_required() and not f.validate_default
                    for f in options.model_fields.values()))
    return constructed(options, {}) if plain else options()


_PLAIN_OPTIONS: weakref.WeakKeyDictionary[type[BaseModel], bool] = weakref.WeakKeyDictionary()


class Context:
    """What a rule may consult besides the payload: the compiled registry, the run's
    settings and, for per-message rules, the message being checked (for its location).

    ``shared`` is scratch space for one run, empty at its start: campaign rules that need the
    same index of the batch (one entry per recipient, say) keep it there once, under a key
    their module owns, instead of each holding a copy.

    ``chunk`` is, in a worker process, the run's number of the chunk being checked (the main
    process's ``Shift.chunk`` of it); None elsewhere."""

    __slots__ = ("chunk", "message", "offline", "registry", "settings", "shared")

    def __init__(self, registry: Registry | None = None, *, offline: bool = True,
                 settings: Any = None) -> None:
        self.registry = registry
        self.offline = offline
        self.settings = settings
        self.message: Message | None = None
        self.shared: dict[str, Any] = {}
        self.chunk: int | None = None

    def setting(self, name: str, default: Any = None) -> Any:
        """A run setting by field name (``suppression_list``), from a ``Settings`` object or,
        for library callers, a plain mapping (kebab-case keys accepted too)."""
        settings = self.settings
        if settings is None:
            return default
        if isinstance(settings, Mapping):
            value = settings.get(name, settings.get(name.replace("_", "-"), default))
        else:
            value = getattr(settings, name, default)
        return default if value is None else value


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement the
    methods of their scope; the docstring is the rule's manual (see module docs)."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    api_error: ClassVar[int | None] = None
    scope: ClassVar[Scope] = Scope.MESSAGE
    #: Message kinds the rule reads (see ``Message.kind``); None means every JSON object.
    message_types: ClassVar[frozenset[str] | None] = None
    #: Whether the rule needs the template registry; skipped (with a note) when none is loaded.
    needs_registry: ClassVar[bool] = False
    #: Whether the rule's verdict on a template line depends only on the line's skeleton
    #: (``validator.skeleton``): not on which characters of a class ``to`` and the ``"text"``
    #: values hold — digits, lowercase and uppercase letters (hexadecimal ones apart in a line
    #: with a ``%``), the letters of one UTF-8 lead byte —, only on their length, spacing,
    #: punctuation, escapes and classes; nor on ``ctx.message`` beyond its kind and
    #: ambiguities. A skeleton that passed then skips the rule for later lines; one that
    #: failed runs it again for each. Off unless a rule promises it.
    cacheable: ClassVar[bool] = False
    #: For a ``cacheable`` rule: whether the problems it reports for a template line are the
    #: line's skeleton's too — no value of ``to`` or of a ``"text"`` in their message, path
    #: or fix, no ``at``. A skeleton that failed it then records its first line's problems
    #: for each later line instead of running it.
    skeleton_problems: ClassVar[bool] = False
    #: For a rule that is not ``cacheable`` because its verdict also depends on the recipient:
    #: a function ``(payload, ctx)``, called once per skeleton with the payload of its first
    #: line, that returns a function of ``to`` (a string) whose value decides, with the
    #: skeleton, whether the rule passes — or None when, for this skeleton, it does not depend
    #: on ``to`` at all. A skeleton remembers each value under which the rule passed and skips
    #: the rule for later lines with that value (the validity of the number, say). Rules that
    #: share the function share one call per line.
    cache_by: ClassVar[Callable[[Any, Context], Callable[[str], Hashable] | None] | None] = None
    #: Settings (field names) without which the rule has nothing to do — a suppression list,
    #: a messaging limit. When none of them is set, the engine does not call the rule at all.
    needs_settings: ClassVar[tuple[str, ...]] = ()
    #: Whether ``collect`` records into state shared by every rule with the same ``extract``
    #: (the link rules' one book of URLs): the engine then hands each record to one of them.
    shared_observe: ClassVar[bool] = False
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    #: Whether the rule's problems can come with a ``Fix``: "safe" when some of them carry a
    #: safe fix, "unsafe" when its fixes all need ``--unsafe-fixes``, None when it never
    #: fixes. Each fix says its own safety; ``walint rules`` shows this column. Only
    #: per-message rules fix (a campaign finding has no single payload to repair).
    fixable: ClassVar[str | None] = None

    def __init__(self, options: RuleOptions | None = None) -> None:
        self.options = options if options is not None else _defaults(self.Options)

    # -- Scope.MESSAGE ---------------------------------------------------------------------
    def check(self, payload: Any, ctx: Context) -> Iterable[Problem]:
        raise NotImplementedError

    # -- Scope.CAMPAIGN / Scope.NETWORK ------------------------------------------------------
    def start(self, ctx: Context) -> None:
        """Called once at the start of every run, before the first message: set up what
        the run shares in ``ctx.shared``."""

    def observe(self, message: Message, ctx: Context) -> None:
        """Record what ``finish`` needs. Called for every message, malformed ones included.

        A rule that can also run when worker processes read the campaign (``--jobs``)
        splits this in two: ``extract`` reads the message where it is decoded, and
        ``collect`` records the result in the main process, in input order."""
        if type(self).extract is not Rule.extract:
            record = self.extract(message, ctx)
            if record is not None:
                self.collect(message.ref, record, ctx)

    def extract(self, message: Message, ctx: Context) -> Any:
        """What ``collect`` needs to know of one message: small and picklable (it may cross
        from a worker process), and None when there is nothing to record. Rules that return
        the same record for a message share one ``extract`` function (a common base class):
        the engine then calls it once per message for all of them."""
        raise NotImplementedError

    def collect(self, ref: MessageRef, record: Any, ctx: Context) -> None:
        """Record ``extract``'s result for the message at ``ref`` (never called with None)."""
        raise NotImplementedError

    def skeleton_extract(self, message: Message, ctx: Context) -> Any:
        """Optional, for speed: ``extract`` for the lines read through ``message``'s skeleton
        (``validator.skeleton``; ``message`` is one of them, its texts not written in) as a
        function of a line and its ``to``, worked out once. It must return what ``extract``
        would, reading the texts, if at all, from the line (``Known.values``), and keep
        nothing of the run (it lives with the skeleton, which may outlive ``ctx``). Or
        ``NO_RECORDS``: what ``extract`` recorded of the skeleton's first line stands for all
        of them (the links a campaign only counts) — of its first line in each run, for a
        skeleton kept from run to run (``Validator.validate``'s). None, the default:
        ``extract`` is called for each line, with the line's texts written into the payload."""
        return None

    def gathering(self, ctx: Context) -> Gathering:
        """In a worker process, at the start of a chunk of a file: what takes the chunk's
        records as ``extract`` makes them and, at the chunk's end, gives what to send the
        main process (``Gathering``) — ``absorb`` takes it there. A rule whose state can be
        built a chunk at a time sends a summary (the distinct URLs, one entry per recipient)
        instead of every record: the main process then does less and receives less, and the
        worker holds no list of records. By default, the records as they are (``Records``),
        which the engine collects one by one. An exception in ``add`` is reported as the
        rule's crash on that message (the other records still go); one in ``result``, or
        here, as a crash of the run, and the rule then absorbs nothing of the chunk."""
        return Records()

    def absorb(self, gathered: Any, shift: Shift, ctx: Context) -> None:
        """In the main process, chunk after chunk in input order: record what ``gathering`` made
        of one chunk's records (a summary: ``Records`` are collected by the engine itself), as
        ``collect`` would have recorded them one by one (the report must not change);
        ``shift.ref`` turns a ref counted within the chunk into the file's."""
        raise NotImplementedError(f"{type(self).__name__} sends a summary of its records "
                                  "and must absorb it")

    @classmethod
    def observation(cls) -> str | None:
        """How the rule watches the stream: ``"parts"`` through ``extract`` and ``collect``
        (a parallel run can split them), ``"whole"`` through an ``observe`` of its own (it
        needs every message in one process), None when it does not watch at all."""
        if cls.observe is not Rule.observe:
            return "whole"
        return "parts" if cls.extract is not Rule.extract else None

    def finish(self, ctx: Context) -> Iterable[Problem]:
        return ()

    # -- Scope.NETWORK ------------------------------------------------------------------------
    def urls(self, ctx: Context) -> Collection[str]:
        """The distinct URLs ``finish`` fetches (or would, under ``--offline``), as recorded
        by ``observe``. The engine counts them for the summary (``links_checked`` /
        ``links_skipped``); rules that share one set of URLs return the same collection
        object, which is then counted once."""
        return ()

    # -- documentation ----------------------------------------------------------------------
    @classmethod
    def summary(cls) -> str:
        """The first line of the manual, for ``walint rules``."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else ""

    @classmethod
    def declaration_errors(cls) -> list[str]:
        """What is wrong with this rule's declaration (empty when it is sound)."""
        errors = []
        code = getattr(cls, "code", None)
        name = getattr(cls, "name", None)
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            errors.append(f"code {code!r} is not letters followed by three digits (e.g. WA203)")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            errors.append(f"name {name!r} is not kebab-case")
        if not isinstance(cls.severity, Severity):
            errors.append(f"severity {cls.severity!r} is not a Severity")
        if not isinstance(cls.scope, Scope):
            errors.append(f"scope {cls.scope!r} is not a Scope")
        if cls.api_error is not None and not isinstance(cls.api_error, int):
            errors.append(f"api_error {cls.api_error!r} is not an integer or None")
        if not (isinstance(cls.Options, type) and issubclass(cls.Options, RuleOptions)):
            errors.append("Options is not a RuleOptions subclass")
        if not (cls.__doc__ or "").strip():
            errors.append("has no docstring (its manual)")
        if cls.fixable not in (None, "safe", "unsafe"):
            errors.append(f"fixable {cls.fixable!r} is not 'safe', 'unsafe' or None")
        overridden = "check" if cls.scope in (Scope.MESSAGE, Scope.FILE) else "finish"
        if getattr(cls, overridden) is getattr(Rule, overridden):
            errors.append(f"a {cls.scope} rule must implement {overridden}()")
        return errors
