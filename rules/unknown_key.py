"""WA106 — keys the Cloud API does not know, at every level whose shape is pinned down.

The tables are data, in ``rules.known_keys``; this module only walks a payload against them.
"""

from __future__ import annotations

from validator.message import STATUS_UPDATE
from validator.rule import Problem, Rule

from .envelope import MESSAGE_TYPES
from .known_keys import ACTIONS, REQUEST, Shape


def suggest(key: str, known: frozenset[str]) -> str | None:
    """The known key the sender most likely meant: same letters in another case, else the
    closest spelling (difflib), else None."""
    lowered = key.lower()
    for name in known:
        if name.lower() == lowered:
            return name
    import difflib  # here: only an unknown value needs it

    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


#: Key layouts remembered per level; past this, hostile input cannot grow memory further.
MAX_PLANS = 512


def _plan(layout: tuple, shape: Shape) -> tuple[tuple[str, ...], tuple[tuple[str, Shape], ...]]:
    """(unknown keys, (key, nested shape) pairs) for one layout of keys at one level."""
    plan = shape.plans.get(layout)
    if plan is None:
        keys, nested = shape.keys, shape.nested
        plan = (tuple(k for k in layout if k not in keys),
                tuple((k, nested[k]) for k in layout if k in nested))
        if len(shape.plans) < MAX_PLANS:
            shape.plans[layout] = plan
    return plan


def _unknown(value: dict, shape: Shape, path: str, found: list) -> None:
    """Append (path of the key, key, shape of its level) for each unknown key, depth first."""
    unknown, descend = _plan(tuple(value), shape)
    for key in unknown:
        found.append(((f"{path}.{key}" if path else key), key, shape))
    for key, sub in descend:
        child = value[key]
        where = f"{path}.{key}" if path else key
        if isinstance(child, dict):
            _unknown(child, sub, where, found)
        elif isinstance(child, list):
            for number, item in enumerate(child):
                if isinstance(item, dict):
                    _unknown(item, sub, f"{where}[{number}]", found)


class UnknownKey(Rule):
    """A key the API does not know at that level of the payload (a typo such as `componets`).

    **What it does**
    Compares every key of the payload with the keys the API accepts at that level: the top
    level, the content object of each message type (``text``, ``image`` …, each contact),
    the ``interactive`` object, its header, body, footer and — for the classic interactive
    types — its action, buttons, sections and rows; the ``template`` object, its
    ``language``, components and parameters. Names the key and the one probably meant
    (``componets`` → ``components``, ``Body`` → ``body``).

    Every field of Meta's own examples is known: ``context``, ``biz_opaque_callback_data``,
    ``recipient`` (business-scoped user ids), ``recipient_identity_key_hash``,
    ``messaging_account_id``, the read-receipt fields ``status`` / ``message_id`` /
    ``typing_indicator``, ``null`` for unset optional fields. Levels whose shape Meta does
    not pin down — ``order_details`` and other newer interactive actions, carousel cards,
    Flow ``data``, ``date_time`` parameters — are not checked, so that a valid payload is
    never flagged.

    **Why is this bad?**
    The API refuses the whole request with 100 (invalid parameter), e.g.
    ``Unexpected key "policystring" on param "template['language']"`` (WhatsApp-Nodejs-SDK
    issue 21). Worse, where a misspelt optional key were ignored instead, the value the
    sender meant (a footer, a caption, the components of a template) would silently be
    missing.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "componets": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}, {"type": "text", "text": "May 3"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    ```
    """

    code = "WA106"
    name = "unknown-key"
    cacheable = True
    api_error = 100
    message_types = MESSAGE_TYPES | {STATUS_UPDATE}

    def check(self, payload, ctx):
        found: list = []
        _unknown(payload, REQUEST, "", found)
        interactive = payload.get("interactive")
        if isinstance(interactive, dict):
            kind, action = interactive.get("type"), interactive.get("action")
            action_shape = ACTIONS.get(kind) if isinstance(kind, str) else None
            if action_shape is not None and isinstance(action, dict):
                _unknown(action, action_shape, "interactive.action", found)
        return [Problem(path, self._message(payload, path, key, shape)) for path, key, shape in found]

    @staticmethod
    def _message(payload: dict, path: str, key: str, shape: Shape) -> str:
        parent = path.rpartition(".")[0]
        where = f"in {parent}" if parent else "at the top level"
        message = f"unexpected key {key!r} {where}"
        if not parent:
            # A content field written beside the content object: {"type": "text", "body": …}
            kind = payload.get("type", "text")
            content = REQUEST.nested.get(kind) if isinstance(kind, str) else None
            if content is not None and key in content.keys:
                return f"{message}: {key!r} belongs inside {kind!r}"
        meant = suggest(key, shape.keys)
        return f"{message} (did you mean {meant!r}?)" if meant else message
