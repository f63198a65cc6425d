"""WA216–WA217 — template names and language codes that cannot exist, from the payload alone.

A name with capitals or hyphens, or a language code written ``en-US``, is never found by
the API, registry or not. These rules own such values: WA201 (template-unknown) stays quiet
about a name or code that is malformed, so one mistake gives one finding, and the finding
says the corrected form. WA201 keeps everything well-formed that the registry lacks.

Facts: Meta, "Template fundamentals" — names are at most 512 lowercase alphanumerics and
underscores
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview);
"Supported languages" — codes use an underscore and the case listed (``pt_BR``)
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages);
132001 on the error-codes page.
"""

from __future__ import annotations

import string
import weakref
from functools import lru_cache

from validator.fix import Fix
from validator.rule import Problem, Rule

from ._template_payload import template_key, template_object

TEMPLATE = frozenset({"template"})

NAME_LIMIT = 512
_NAME_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")
_LOWER = frozenset(string.ascii_lowercase)
_UPPER = frozenset(string.ascii_uppercase)
_DIGITS = frozenset(string.digits)


@lru_cache(maxsize=4096)
def name_problem(name: str) -> tuple[str, str | None] | None:
    """(what is wrong, the corrected name or None) for a malformed template name, else None.
    Cached: a campaign repeats a handful of names."""
    if not name:
        return None  # WA200 reports a missing name
    if len(name) > NAME_LIMIT:
        return f"has {len(name)} characters; Meta allows {NAME_LIMIT}", None
    if _NAME_CHARS.issuperset(name):
        return None
    # Only case and word separators are corrected: anything else is not a guess worth making.
    fixed = name.strip().lower().replace("-", "_").replace(" ", "_").replace(".", "_")
    fixed = fixed if fixed.strip("_") and _NAME_CHARS.issuperset(fixed) else None
    stray = next(c for c in name if c not in _NAME_CHARS)
    what = "capital letters" if stray.isupper() and stray.isascii() else f"the character {stray!r}"
    return f"has {what}; names are lowercase letters, digits and underscores", fixed


def _well_formed_language(code: str) -> bool:
    base, _, region = code.partition("_")
    if not (2 <= len(base) <= 3 and _LOWER.issuperset(base)):
        return False
    if not region:
        return "_" not in code
    return (len(region) == 2 and _UPPER.issuperset(region)) or \
        (len(region) == 3 and _DIGITS.issuperset(region))


@lru_cache(maxsize=1024)
def language_problem(code: str) -> tuple[str, str | None] | None:
    """(what is wrong, the corrected code or None) for a malformed language code, else None.

    Well-formed is ``xx``, ``xxx`` or either with ``_`` and a region (``en_US``, ``es_419``)
    — the shape of every code on Meta's list. Whether the code exists is the registry's
    question (WA201), not this one."""
    if not code or _well_formed_language(code):
        return None
    parts = code.strip().replace("-", "_").split("_")
    fixed = None
    if len(parts) <= 2 and all(parts):
        candidate = parts[0].lower() + ("_" + parts[1].upper() if len(parts) == 2 else "")
        fixed = candidate if _well_formed_language(candidate) else None
    if code != code.strip():
        what = "has spaces around it"
    elif "-" in code:
        what = "is written with a hyphen; Meta's codes use an underscore"
    elif fixed is not None:
        what = "has the wrong case; language is lowercase, region uppercase"
    else:
        what = "is not a language code like en or en_US"
    return what, fixed


def _in_registry(template: dict, ctx) -> bool:
    """A registry pulled from the API is the authority: what it lists exists, however written."""
    key = template_key(template)
    return key is not None and ctx.registry is not None and ctx.registry.get(*key) is not None


_BY_LOWER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def registry_name_for(name: str, registry) -> str | None:
    """The registry's spelling of ``name`` when exactly one registry name equals it ignoring
    case and differs from it (``Order_Update`` → ``order_update``), else None."""
    if registry is None:
        return None
    index = _BY_LOWER.get(registry)
    if index is None:
        index = {}
        for plan in registry:
            index.setdefault(plan.name.lower(), set()).add(plan.name)
        _BY_LOWER[registry] = index
    found = index.get(name.lower(), ())
    if len(found) != 1:
        return None
    (spelled,) = found
    return spelled if spelled != name else None


def name_case_fix(name: str, registry) -> Fix | None:
    """The safe fix of a template name whose case alone differs from one registry name."""
    spelled = registry_name_for(name, registry)
    if spelled is None:
        return None
    return Fix.replace(("template", "name"), spelled, f"write the name {spelled}")


def malformed_key(name: str, language: str) -> bool:
    """Whether WA216 or WA217 reports this name or code (WA201 then stays quiet)."""
    return name_problem(name) is not None or language_problem(language) is not None


class TemplateNameFormat(Rule):
    """A template name must be lowercase letters, digits and underscores, at most 512 long.

    **What it does**
    Checks ``template.name`` without the registry: capitals, hyphens, spaces or other
    characters, or more than 512 characters, and suggests the corrected name. Names that are
    well-formed but not in the registry are WA201's.

    **Why is this bad?**
    Meta creates template names from lowercase alphanumerics and underscores only (≤ 512),
    so such a name never matches an approved template: the API answers 132001 (template does
    not exist). Usually the display name (``Order Update``) was sent instead of the name.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "Hello-World", "language": {"code": "en_US"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Fix**
    Safe, with a registry: when the name differs only in case from exactly one name in the
    registry (``Hello_World`` → ``hello_world``), the registry's spelling — the one template
    the name can mean. Hyphens and spaces are not fixed: ``order update`` could be
    ``order_update`` or ``orderupdate``.
    """

    code = "WA216"
    name = "template-name-format"
    cacheable = True
    api_error = 132001
    fixable = "safe"
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        name = template.get("name") if template else None
        if not isinstance(name, str):
            return
        found = name_problem(name)
        if found and not _in_registry(template, ctx):
            what, fixed = found
            shown = name if len(name) <= 60 else name[:60] + "…"
            fix = name_case_fix(name, ctx.registry)
            if fix is not None:
                fixed = fix.edits[0].value
            hint = f"; did you mean {fixed}?" if fixed else ""
            yield Problem("template.name", f"template name {shown!r} {what}{hint}", fix=fix)


class TemplateLanguageFormat(Rule):
    """A template language code must be written like Meta writes it: `en_US`, not `en-US`.

    **What it does**
    Checks ``template.language.code`` without the registry: a hyphen (``en-US``), the wrong
    case (``EN_us``, ``en_us``) or anything that is not ``xx``/``xxx`` optionally followed by
    ``_`` and a region, and gives the corrected code. Whether the template exists in that
    language is WA201's question.

    **Why is this bad?**
    Language codes are compared exactly: ``pt_BR`` exists, ``pt-BR`` and ``pt_br`` do not,
    and the API answers 132001 (template does not exist in that language). IETF tags
    (``en-US``) from a browser or CRM are the usual cause.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en-US"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Fix**
    Safe, with a registry: the corrected code (``en-US`` → ``en_US``, ``pt_br`` → ``pt_BR``)
    when the registry has the template (its name spelled as the registry spells it) in
    exactly that language. Without the registry, or when the template does not exist in
    the corrected language, no fix: the code may be wrong in more than its spelling.
    """

    code = "WA217"
    name = "template-language-format"
    cacheable = True
    api_error = 132001
    fixable = "safe"
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        language = template.get("language") if template else None
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(code, str):
            return
        found = language_problem(code)
        if found and not _in_registry(template, ctx):
            what, fixed = found
            hint = f": use {fixed}" if fixed else ""
            fix = None
            name = template.get("name")
            if fixed is not None and ctx.registry is not None and isinstance(name, str):
                # The name as the registry spells it, when only its case is off (WA216).
                spelled = registry_name_for(name, ctx.registry) or name
                if ctx.registry.get(spelled, fixed) is not None:
                    fix = Fix.replace(("template", "language", "code"), fixed,
                                      f"write the language code {fixed}")
            yield Problem("template.language.code", f"language code {code!r} {what}{hint}",
                          fix=fix)
