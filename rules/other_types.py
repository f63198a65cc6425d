"""WA41x — location, contacts and reaction messages.

Facts (the facts file §2.2, §8 check 15): the OpenAPI ``LocationObject``, ``ContactObject``
and ``ReactionObject`` (facebook/openapi, business-messaging-api_v23.0.yaml); Meta's
"Send messages" page; whatsapp-api-js ``src/messages/reaction.ts`` (one emoji, or an empty
string to remove a reaction).
"""

from __future__ import annotations

import math
import unicodedata

from validator.findings import Severity
from validator.rule import Problem, Rule

from ._content import obj, plural, seq, show, type_name

CONTACTS_OAS_LIMIT = 5

# -- emoji --------------------------------------------------------------------------------
_ZWJ = "\u200d"
_KEYCAP = "\u20e3"
#: Marks that may follow an emoji inside one emoji: variation selectors, skin tones, keycap.
_MODIFIERS = frozenset("\ufe0e\ufe0f\u20e3") | frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
#: Emoji whose Unicode category is not "Symbol, other" (arrows, ‼, ℹ, 〰 …).
_OTHER_BASES = frozenset(
    "\u203c\u2049\u2139\u2194\u2195\u2196\u2197\u2198\u2199\u21a9\u21aa\u25c0\u25fb\u25fc"
    "\u25fd\u25fe\u2934\u2935\u3030\u303d\u24c2")
_KEYCAP_BASES = frozenset("0123456789#*")


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _is_tag(char: str) -> bool:
    return 0xE0020 <= ord(char) <= 0xE007F


def _is_base(char: str) -> bool:
    code = ord(char)
    # The pictographic planes are taken whole, so that emoji newer than this Python's
    # Unicode tables (unassigned to it) still count.
    return (0x1F000 <= code <= 0x1FAFF or unicodedata.category(char) == "So"
            or char in _OTHER_BASES or 0x1F3FB <= code <= 0x1F3FF)


def is_single_emoji(text: str) -> bool:
    """Whether ``text`` is exactly one emoji: one pictograph with its modifiers, a keycap,
    a flag (two regional indicators or a tag sequence), or a ZWJ sequence of those."""
    if not text or len(text) > 32:
        return False
    if len(text) == 2 and _is_regional(text[0]) and _is_regional(text[1]):
        return True
    for part in text.split(_ZWJ):
        if not part:
            return False
        head, rest = part[0], part[1:]
        if head in _KEYCAP_BASES:
            if rest not in (_KEYCAP, "\ufe0f" + _KEYCAP):
                return False
            continue
        if not _is_base(head) or _is_regional(head):
            return False
        if not all(c in _MODIFIERS or _is_tag(c) for c in rest):
            return False
    return True


# -- rules ----------------------------------------------------------------------------------
def _coordinate(value):
    """The float value of a latitude/longitude given as a number or a numeric string."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
    except (ValueError, OverflowError):
        return None
    return None


class LocationCoordinates(Rule):
    """A location needs `latitude` and `longitude`: numbers (or numeric strings) in range.

    **What it does**
    Checks that ``location.latitude`` and ``location.longitude`` are given, are numbers
    or strings holding a number — the OpenAPI types them as strings, Meta's examples send
    numbers, and both are accepted — and lie in −90…90 and −180…180.

    **Why is this bad?**
    A location without coordinates, or with ``"N/A"``, is refused as an invalid parameter
    (100). Out-of-range values usually mean latitude and longitude were swapped or a
    projected coordinate (metres) was sent: the pin lands nowhere near the address.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "location", "location": {"latitude": -122.425332, "longitude": 37.758056, "name": "Store"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "location", "location": {"latitude": 37.758056, "longitude": -122.425332, "name": "Store"}}
    ```
    """

    code = "WA411"
    name = "location-coordinates"
    api_error = 100
    message_types = frozenset({"location"})

    BOUNDS = (("latitude", 90.0), ("longitude", 180.0))

    def check(self, payload, ctx):
        location = obj(payload.get("location"))
        if location is None:
            return
        for field, bound in self.BOUNDS:
            path = f"location.{field}"
            raw = location.get(field)
            if raw is None:
                yield Problem(path, f"{path} is required")
                continue
            value = _coordinate(raw)
            if value is None or not math.isfinite(value):
                yield Problem(path, f"{path} must be a number, got {type_name(raw)} {raw!r}")
            elif not -bound <= value <= bound:
                yield Problem(path, f"{path} {raw!r} is out of range (-{bound:g} to {bound:g})")


class ContactsName(Rule):
    """Each contact card needs `name.formatted_name`.

    **What it does**
    Checks that ``contacts`` holds at least one contact, that each contact is an object
    with a ``name`` object, and that ``name.formatted_name`` is a non-empty string. Other
    name parts (first, last …) are optional.

    **Why is this bad?**
    ``formatted_name`` is the one required field of a contact's name in Meta's reference
    (it is the name the recipient sees on the card); without it, or with an empty
    ``contacts`` array, the API refuses the request as an invalid parameter (100), as it
    does every missing nested field (facts file §9).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "contacts", "contacts": [{"name": {"first_name": "Ana", "last_name": "Silva"}, "phones": [{"phone": "+447911123457", "type": "WORK"}]}]}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "contacts", "contacts": [{"name": {"formatted_name": "Ana Silva", "first_name": "Ana", "last_name": "Silva"}, "phones": [{"phone": "+447911123457", "type": "WORK"}]}]}
    ```
    """

    code = "WA412"
    name = "contacts-name"
    api_error = 100
    message_types = frozenset({"contacts"})

    def check(self, payload, ctx):
        contacts = seq(payload.get("contacts"))
        if contacts is None:
            return  # WA103 reports a missing or non-list contacts
        if not contacts:
            yield Problem("contacts", "contacts is empty; send at least one contact")
            return
        for number, contact in enumerate(contacts):
            path = f"contacts[{number}]"
            if not isinstance(contact, dict):
                yield Problem(path, f"{path} must be an object, got {type_name(contact)}")
                continue
            name = contact.get("name")
            if not isinstance(name, dict):
                what = "is required" if name is None else f"must be an object, got {type_name(name)}"
                yield Problem(f"{path}.name", f"{path}.name {what} (with formatted_name)")
                continue
            formatted = name.get("formatted_name")
            if not isinstance(formatted, str) or not formatted:
                what = "is required" if formatted is None else f"must be a non-empty string, got {formatted!r}"
                yield Problem(f"{path}.name.formatted_name", f"{path}.name.formatted_name {what}")


class ContactsCount(Rule):
    """More than 5 contacts in one message may be refused.

    **What it does**
    Warns when ``contacts`` holds more than 5 contact cards.

    **Why is this bad?**
    Meta's OpenAPI spec gives the ``contacts`` array ``maxItems: 5``; no Meta page states
    the limit, and the spec is generated and contains known errors, so this is a warning,
    not an error. If the limit holds, the request is refused as an invalid parameter
    (100). Five cards per message is safe under every reading; send the rest in a later
    message.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "contacts", "contacts": [{"name": {"formatted_name": "Ana"}}, {"name": {"formatted_name": "Ben"}}, {"name": {"formatted_name": "Caro"}}, {"name": {"formatted_name": "Dev"}}, {"name": {"formatted_name": "Eli"}}, {"name": {"formatted_name": "Fay"}}]}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "contacts", "contacts": [{"name": {"formatted_name": "Ana"}}, {"name": {"formatted_name": "Ben"}}, {"name": {"formatted_name": "Caro"}}, {"name": {"formatted_name": "Dev"}}, {"name": {"formatted_name": "Eli"}}]}
    ```
    """

    code = "WA413"
    name = "contacts-count"
    severity = Severity.WARNING
    api_error = 100
    message_types = frozenset({"contacts"})

    def check(self, payload, ctx):
        contacts = seq(payload.get("contacts"))
        if contacts is not None and len(contacts) > CONTACTS_OAS_LIMIT:
            yield Problem("contacts", f"{plural(len(contacts), 'contact')} in one message; Meta's "
                                      f"OpenAPI spec allows {CONTACTS_OAS_LIMIT}")


class ReactionMessageId(Rule):
    """A reaction needs the `message_id` of the message it reacts to.

    **What it does**
    Checks that ``reaction.message_id`` is a non-empty string.

    **Why is this bad?**
    Without it the API does not know which message to react to and refuses the request
    as an invalid parameter (100), as it does every missing nested field (facts file §9).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "reaction", "reaction": {"emoji": "👍"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "reaction", "reaction": {"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3", "emoji": "👍"}}
    ```
    """

    code = "WA414"
    name = "reaction-message-id"
    api_error = 100
    message_types = frozenset({"reaction"})

    def check(self, payload, ctx):
        reaction = obj(payload.get("reaction"))
        if reaction is None:
            return
        value = reaction.get("message_id")
        if value is None:
            yield Problem("reaction.message_id", "reaction.message_id is required")
        elif not isinstance(value, str) or not value.strip():
            yield Problem("reaction.message_id", f"reaction.message_id must be a message id "
                                                 f"(wamid.…), got {value!r}")


class ReactionEmoji(Rule):
    """A reaction's `emoji` must be exactly one emoji, or "" to remove the reaction.

    **What it does**
    Checks that ``reaction.emoji`` is given and is either one emoji — with its skin tone,
    variation selector or zero-width-joiner sequence (👍🏽, ❤️, 👩‍💻, 🇧🇷 count as one) — or the
    empty string, which removes an earlier reaction.

    **Why is this bad?**
    A reaction is a single emoji; text (``"like"``), several emoji (``"👍👍"``) or a
    missing ``emoji`` is an invalid parameter (100). whatsapp-api-js enforces the same.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "reaction", "reaction": {"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3", "emoji": ":thumbsup:"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "reaction", "reaction": {"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3", "emoji": "👍"}}
    ```
    """

    code = "WA415"
    name = "reaction-emoji"
    api_error = 100
    message_types = frozenset({"reaction"})

    def check(self, payload, ctx):
        reaction = obj(payload.get("reaction"))
        if reaction is None:
            return
        emoji = reaction.get("emoji")
        if emoji is None:
            yield Problem("reaction.emoji", 'reaction.emoji is required (one emoji, or "" to '
                                            "remove a reaction)")
        elif not isinstance(emoji, str):
            yield Problem("reaction.emoji", f"reaction.emoji must be a string, got {type_name(emoji)}")
        elif emoji and not is_single_emoji(emoji):
            yield Problem("reaction.emoji", f"reaction.emoji {show(emoji)} is not a single emoji")


class ReactionWamid(Rule):
    """A reaction's `message_id` should be a WhatsApp message id (`wamid.…`).

    **What it does**
    Warns when ``reaction.message_id`` does not start with ``wamid.``, the prefix of every
    message id the Cloud API returns and every id its webhooks deliver.

    **Why is this bad?**
    An id from the sender's own database, the id of another webhook object or a
    placeholder points at no message in the chat, so there is nothing to react to (the
    facts file's check 15 asks for a valid wamid). A warning, not an error, because Meta
    documents no id format.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "reaction", "reaction": {"message_id": "order-1042", "emoji": "👍"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "reaction", "reaction": {"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3", "emoji": "👍"}}
    ```
    """

    code = "WA416"
    name = "reaction-wamid"
    severity = Severity.WARNING
    api_error = 100
    message_types = frozenset({"reaction"})

    def check(self, payload, ctx):
        reaction = obj(payload.get("reaction"))
        value = reaction.get("message_id") if reaction else None
        if isinstance(value, str) and value.strip() and not value.startswith("wamid."):
            yield Problem("reaction.message_id", f"reaction.message_id {show(value)} is not a "
                                                 "WhatsApp message id (wamid.…)")

