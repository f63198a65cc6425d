"""WA0xx — input: entries of a campaign file that are not a message payload at all."""

from __future__ import annotations

from validator.message import MALFORMED, NOT_AN_OBJECT
from validator.rule import Problem, Rule


class MalformedJson(Rule):
    """An entry of the campaign file could not be decoded as JSON.

    **What it does**
    Reports a line (JSONL) or an element (JSON document) that is not valid UTF-8 JSON:
    a missing quote, a trailing comma, ``NaN``, a truncated line.

    **Why is this bad?**
    The sender would fail to serialise or POST it; the Graph API rejects an unparsable body
    outright. The message is counted as failed so that no recipient silently drops out of
    the campaign; the other lines of a JSONL file are still checked.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "Hi"},}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "Hi"}}
    ```
    """

    code = "WA001"
    name = "malformed-json"
    message_types = frozenset({MALFORMED})

    def check(self, payload, ctx):
        yield Problem("", ctx.message.problem)


class PayloadNotObject(Rule):
    """A campaign entry is valid JSON but not a JSON object.

    **What it does**
    Reports entries that are a number, string, list or ``null`` instead of a message object.

    **Why is this bad?**
    The messages endpoint takes one JSON object per request; anything else is rejected as an
    invalid parameter (error 100). Usually a spreadsheet export wrote a bare value or a
    nested list.

    **Example**
    ```jsonl
    ["+447911123456", "hello_world"]
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA002"
    name = "payload-not-object"
    api_error = 100
    message_types = frozenset({NOT_AN_OBJECT})

    def check(self, payload, ctx):
        kind = "null" if payload is None else type(payload).__name__
        yield Problem("", f"expected a JSON object, got {kind}")


class AmbiguousJson(Rule):
    """A payload has a duplicated key or an integer too large for 64 bits.

    **What it does**
    Reports keys that appear twice in one object and integers outside the 64-bit range,
    with their path. Both are valid JSON, and both are silently "resolved" by most parsers —
    the last key wins, the integer becomes an inexact float — so what the API receives is
    not what the file says.

    **Why is this bad?**
    Which of two values the Graph API uses is undefined, and a rounded number (an amount, an
    id) is a different number. Usually a template or export merged two sources. The API
    refuses values it cannot read as an invalid parameter (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "Hi Ana"}, "text": {"body": "Hi Bo"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "Hi Ana"}}
    ```
    """

    code = "WA003"
    name = "ambiguous-json"
    cacheable = True
    api_error = 100

    def check(self, payload, ctx):
        notes = ctx.message.ambiguities
        if not notes:
            return ()
        return [Problem(path, description) for path, description in notes]
