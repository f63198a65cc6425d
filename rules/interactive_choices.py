"""WA43x / WA44x — the choices of an interactive message: reply buttons and list rows.

Facts (the facts file §2.3, §3, §8 checks 11–12): Meta's reply-buttons page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages),
the OpenAPI ``InteractiveObject`` action, whatsapp-api-js ``src/messages/interactive.ts``
and pywa ``types/callback.py``. Lengths are code points (see ``rules._content``).

Where they disagree: the OpenAPI spec allows 10 rows *per section*; pywa and most SDKs,
following Meta's list-messages page, allow **10 rows in total** across all sections. walint
takes the total — a list that fits it fits both readings.
"""

from __future__ import annotations

from collections.abc import Iterator

from validator.rule import Problem, Rule

from ._content import obj, plural, seq, show, type_name
from .interactive import INTERACTIVE, action_of

MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
LIST_BUTTON_LIMIT = 20
MAX_SECTIONS = 10
SECTION_TITLE_LIMIT = 24
MAX_ROWS = 10
ROW_ID_LIMIT = 200
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72


def _replies(payload: dict) -> Iterator[tuple[str, dict]]:
    """(path, reply object) of each well-formed reply button."""
    action = action_of(payload, "button")
    for number, button in enumerate(seq(action.get("buttons")) or () if action else ()):
        reply = obj(button.get("reply")) if isinstance(button, dict) else None
        if reply is not None:
            yield f"interactive.action.buttons[{number}].reply", reply


def _sections(payload: dict) -> list[tuple[str, dict]]:
    """(path, section) of each section object of a list message."""
    action = action_of(payload, "list")
    sections = seq(action.get("sections")) if action else None
    return [(f"interactive.action.sections[{n}]", s)
            for n, s in enumerate(sections or ()) if isinstance(s, dict)]


def _rows(payload: dict) -> Iterator[tuple[str, dict]]:
    """(path, row) of each row object of a list message, across sections."""
    for path, section in _sections(payload):
        for number, row in enumerate(seq(section.get("rows")) or ()):
            if isinstance(row, dict):
                yield f"{path}.rows[{number}]", row


def _text_field(path: str, value, limit: int, what: str, *, required: bool = True):
    """The problem with a string field limited to ``limit`` characters, or None."""
    if value is None:
        return Problem(path, f"{what} is required") if required else None
    if not isinstance(value, str):
        return Problem(path, f"{what} must be a string, got {type_name(value)}")
    if not value and required:
        return Problem(path, f"{what} is empty")
    if len(value) > limit:
        return Problem(path, f"{what} {show(value)} is {len(value)} characters; the limit is {limit}")
    return None


class ReplyButtonCount(Rule):
    """A reply-button message needs 1 to 3 buttons in `action.buttons`.

    **What it does**
    Checks that ``interactive.action.buttons`` of a ``button`` message is an array of one,
    two or three buttons.

    **Why is this bad?**
    Meta's reply-buttons page allows at most three buttons; a fourth, or none, is refused
    with 131009 (parameter value not valid), a missing ``buttons`` array as an invalid
    parameter (100). For more choices, send a list message (up to 10 rows).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "When should we deliver?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "mon", "title": "Monday"}}, {"type": "reply", "reply": {"id": "tue", "title": "Tuesday"}}, {"type": "reply", "reply": {"id": "wed", "title": "Wednesday"}}, {"type": "reply", "reply": {"id": "thu", "title": "Thursday"}}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "When should we deliver?"}, "action": {"button": "Choose a day", "sections": [{"rows": [{"id": "mon", "title": "Monday"}, {"id": "tue", "title": "Tuesday"}, {"id": "wed", "title": "Wednesday"}, {"id": "thu", "title": "Thursday"}]}]}}}
    ```
    """

    code = "WA430"
    name = "reply-button-count"
    api_error = 131009
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "button")
        if action is None:
            return
        buttons = action.get("buttons")
        if buttons is None:
            yield Problem("interactive.action.buttons", "interactive.action.buttons is required "
                                                        "(1 to 3 reply buttons)", 100)
        elif not isinstance(buttons, list):
            yield Problem("interactive.action.buttons", f"interactive.action.buttons must be an "
                                                        f"array, got {type_name(buttons)}", 100)
        elif not 1 <= len(buttons) <= MAX_BUTTONS:
            yield Problem("interactive.action.buttons", f"{plural(len(buttons), 'reply button')}; "
                                                        f"send 1 to {MAX_BUTTONS}")


class ReplyButtonTitle(Rule):
    """Each reply button needs a unique title of 1 to 20 characters.

    **What it does**
    Checks every entry of ``interactive.action.buttons``: it is ``{"type": "reply",
    "reply": {...}}``, its ``reply.title`` is a non-empty string of at most 20 characters
    (Python ``len()``: code points), and no two buttons share a title.

    **Why is this bad?**
    The API refuses a missing title — ``The parameter
    interactive['action']['buttons'][0]['reply']['title'] is required.`` (100, facts file
    §9) — and a title over 20 characters (100). Two buttons with the same title cannot be
    told apart by the recipient and are refused with 131009.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Ready to check out?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "confirm", "title": "Confirm my order now"}}, {"type": "reply", "reply": {"id": "cancel", "title": "Cancel my order please"}}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Ready to check out?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "confirm", "title": "Confirm order"}}, {"type": "reply", "reply": {"id": "cancel", "title": "Cancel order"}}]}}}
    ```
    """

    code = "WA431"
    name = "reply-button-title"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "button")
        buttons = seq(action.get("buttons")) if action else None
        if not buttons:
            return
        seen: dict[str, int] = {}
        for number, button in enumerate(buttons):
            path = f"interactive.action.buttons[{number}]"
            if not isinstance(button, dict):
                yield Problem(path, f"{path} must be an object, got {type_name(button)}")
                continue
            btype = button.get("type")
            if btype != "reply":
                what = "is required" if btype is None else f"is {btype!r}"
                yield Problem(f"{path}.type", f'{path}.type {what}; reply buttons are "reply"')
            reply = button.get("reply")
            if not isinstance(reply, dict):
                what = "is required" if reply is None else f"must be an object, got {type_name(reply)}"
                yield Problem(f"{path}.reply", f"{path}.reply {what} (with id and title)")
                continue
            title = reply.get("title")
            problem = _text_field(f"{path}.reply.title", title, BUTTON_TITLE_LIMIT, "button title")
            if problem is not None:
                yield problem
            elif title in seen:
                yield Problem(f"{path}.reply.title", f"button title {show(title)} is used by "
                                                     f"button {seen[title] + 1} too; titles must "
                                                     "be unique", 131009)
            else:
                seen[title] = number


class ReplyButtonId(Rule):
    """Each reply button needs a unique id of at most 256 characters, without edge spaces.

    **What it does**
    Checks ``reply.id`` of every reply button: a non-empty string, at most 256 characters,
    no leading or trailing whitespace, and unique within the message.

    **Why is this bad?**
    The id is what the webhook hands back when the button is tapped. Meta's reply-buttons
    page caps it at 256 characters and forbids leading and trailing spaces; a missing or
    over-long id is an invalid parameter (100). Duplicate ids are refused (131009) — and
    would make two answers indistinguishable.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Ready to check out?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "order-1042", "title": "Confirm"}}, {"type": "reply", "reply": {"id": "order-1042", "title": "Cancel"}}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Ready to check out?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "order-1042:confirm", "title": "Confirm"}}, {"type": "reply", "reply": {"id": "order-1042:cancel", "title": "Cancel"}}]}}}
    ```
    """

    code = "WA432"
    name = "reply-button-id"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        seen: dict[str, str] = {}
        for path, reply in _replies(payload):
            value = reply.get("id")
            problem = _text_field(f"{path}.id", value, BUTTON_ID_LIMIT, "button id")
            if problem is not None:
                yield problem
            elif value != value.strip():
                yield Problem(f"{path}.id", f"button id {value!r} has leading or trailing spaces")
            elif value in seen:
                yield Problem(f"{path}.id", f"button id {show(value)} is also used at {seen[value]}; "
                                            "ids must be unique", 131009)
            else:
                seen[value] = path


class ListButton(Rule):
    """A list message needs `action.button`, the label of its menu button, of 1 to 20 characters.

    **What it does**
    Checks ``interactive.action.button`` of a ``list`` message: a non-empty string of at
    most 20 characters (Python ``len()``: code points).

    **Why is this bad?**
    The button opens the list; without a label, or with one over 20 characters, the API
    refuses the message as an invalid parameter (100; OpenAPI, whatsapp-api-js, pywa).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a delivery slot"}, "action": {"button": "See all available delivery slots", "sections": [{"rows": [{"id": "am", "title": "Morning"}, {"id": "pm", "title": "Afternoon"}]}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a delivery slot"}, "action": {"button": "See slots", "sections": [{"rows": [{"id": "am", "title": "Morning"}, {"id": "pm", "title": "Afternoon"}]}]}}}
    ```
    """

    code = "WA440"
    name = "list-button"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "list")
        if action is None:
            return
        problem = _text_field("interactive.action.button", action.get("button"), LIST_BUTTON_LIMIT,
                              "list button label")
        if problem is not None:
            yield problem


class ListSections(Rule):
    """A list needs 1 to 10 sections; with more than one, each needs a title of ≤ 24 characters.

    **What it does**
    Checks ``interactive.action.sections`` of a ``list`` message: an array of 1 to 10
    section objects, each with a ``rows`` array; a section ``title`` is at most 24
    characters and is required as soon as there is more than one section.

    **Why is this bad?**
    The OpenAPI spec and the SDKs cap a list at 10 sections (131009 beyond); the recipient
    sees section titles as the headings that separate the rows, so several sections
    without titles, or a missing ``rows``, are an invalid parameter (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a delivery slot"}, "action": {"button": "See slots", "sections": [{"rows": [{"id": "mon-am", "title": "Monday morning"}]}, {"rows": [{"id": "tue-am", "title": "Tuesday morning"}]}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a delivery slot"}, "action": {"button": "See slots", "sections": [{"title": "Monday", "rows": [{"id": "mon-am", "title": "Monday morning"}]}, {"title": "Tuesday", "rows": [{"id": "tue-am", "title": "Tuesday morning"}]}]}}}
    ```
    """

    code = "WA441"
    name = "list-sections"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "list")
        if action is None:
            return
        sections = action.get("sections")
        path = "interactive.action.sections"
        if sections is None:
            yield Problem(path, f"{path} is required (1 to {MAX_SECTIONS} sections of rows)")
            return
        if not isinstance(sections, list):
            yield Problem(path, f"{path} must be an array, got {type_name(sections)}")
            return
        if not 1 <= len(sections) <= MAX_SECTIONS:
            yield Problem(path, f"{plural(len(sections), 'section')}; send 1 to {MAX_SECTIONS}", 131009)
        several = len(sections) > 1
        for number, section in enumerate(sections):
            where = f"{path}[{number}]"
            if not isinstance(section, dict):
                yield Problem(where, f"{where} must be an object, got {type_name(section)}")
                continue
            title = section.get("title")
            if title is None and several:
                yield Problem(f"{where}.title", f"section {number + 1} has no title; every section "
                                                "needs one when a list has several")
            else:
                problem = _text_field(f"{where}.title", title, SECTION_TITLE_LIMIT, "section title",
                                      required=several)
                if problem is not None:
                    yield problem
            rows = section.get("rows")
            if not isinstance(rows, list):
                what = "is required" if rows is None else f"must be an array, got {type_name(rows)}"
                yield Problem(f"{where}.rows", f"{where}.rows {what}")


class ListRowCount(Rule):
    """A list message holds 1 to 10 rows in total, across all its sections.

    **What it does**
    Counts the rows of every section of a ``list`` message together.

    **Why is this bad?**
    WhatsApp shows at most 10 rows in one list: pywa documents "up to 10 rows for all
    sections combined", as do most SDKs, and the API refuses more with 131009. The
    OpenAPI spec only limits each section to 10 rows — walint takes the stricter total,
    which every list that WhatsApp accepts satisfies. A list without any row is refused too.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a size"}, "action": {"button": "Sizes", "sections": [{"title": "Shirts", "rows": [{"id": "s-xs", "title": "XS"}, {"id": "s-s", "title": "S"}, {"id": "s-m", "title": "M"}, {"id": "s-l", "title": "L"}, {"id": "s-xl", "title": "XL"}, {"id": "s-xxl", "title": "XXL"}]}, {"title": "Trousers", "rows": [{"id": "t-28", "title": "28"}, {"id": "t-30", "title": "30"}, {"id": "t-32", "title": "32"}, {"id": "t-34", "title": "34"}, {"id": "t-36", "title": "36"}]}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a shirt size"}, "action": {"button": "Sizes", "sections": [{"title": "Shirts", "rows": [{"id": "s-xs", "title": "XS"}, {"id": "s-s", "title": "S"}, {"id": "s-m", "title": "M"}, {"id": "s-l", "title": "L"}, {"id": "s-xl", "title": "XL"}, {"id": "s-xxl", "title": "XXL"}]}]}}}
    ```
    """

    code = "WA442"
    name = "list-row-count"
    api_error = 131009
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        sections = _sections(payload)
        if not sections:
            return  # WA441 reports missing or malformed sections
        rows = [seq(section.get("rows")) for _, section in sections]
        if any(r is None for r in rows):
            return  # WA441 reports a section without rows
        total = sum(len(r) for r in rows)
        if total > MAX_ROWS:
            spread = f" across {plural(len(sections), 'section')}" if len(sections) > 1 else ""
            yield Problem("interactive.action.sections", f"list has {total} rows{spread}; the limit "
                                                         f"is {MAX_ROWS} in total")
        elif total == 0:
            yield Problem("interactive.action.sections", "list has no rows; send 1 to 10")


class ListRow(Rule):
    """Each list row needs a unique id (≤ 200) and a title (≤ 24); a description is ≤ 72.

    **What it does**
    Checks every row of a ``list`` message: ``id`` is a non-empty string of at most 200
    characters, unique across the whole list; ``title`` a non-empty string of at most 24;
    ``description``, when given, a string of at most 72 (Python ``len()``: code points).

    **Why is this bad?**
    The row id comes back in the webhook when the row is chosen, the title is what the
    recipient reads. Missing or over-long values are an invalid parameter (100, OpenAPI,
    whatsapp-api-js, pywa); two rows with one id are refused (131009) and their answers
    could not be told apart.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a delivery slot"}, "action": {"button": "See slots", "sections": [{"rows": [{"id": "am", "title": "Morning delivery (8am to noon)"}, {"id": "pm", "title": "Afternoon"}]}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick a delivery slot"}, "action": {"button": "See slots", "sections": [{"rows": [{"id": "am", "title": "Morning", "description": "8am to noon"}, {"id": "pm", "title": "Afternoon"}]}]}}}
    ```
    """

    code = "WA443"
    name = "list-row"
    api_error = 100
    message_types = INTERACTIVE

    FIELDS = (("title", ROW_TITLE_LIMIT, True), ("description", ROW_DESCRIPTION_LIMIT, False))

    def check(self, payload, ctx):
        seen: dict[str, str] = {}
        for path, row in _rows(payload):
            row_id = row.get("id")
            problem = _text_field(f"{path}.id", row_id, ROW_ID_LIMIT, "row id")
            if problem is not None:
                yield problem
            elif row_id in seen:
                yield Problem(f"{path}.id", f"row id {show(row_id)} is also used at {seen[row_id]}; "
                                            "ids must be unique", 131009)
            else:
                seen[row_id] = path
            for field, limit, required in self.FIELDS:
                problem = _text_field(f"{path}.{field}", row.get(field), limit, f"row {field}",
                                      required=required)
                if problem is not None:
                    yield problem
