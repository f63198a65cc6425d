"""WA218 — templates the API accepts but Meta will not deliver to this recipient.

Facts: Meta, "Per-user marketing template message limits"
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/marketing-templates/per-user-limits)
and 131049 on the error-codes page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
since 2025-04-01 marketing templates are not delivered to US numbers (+1 with a US area
code); the failure arrives in a status webhook; resending early fails again.
"""

from __future__ import annotations

from functools import lru_cache

from validator.findings import Severity
from validator.rule import Problem, Rule

from ._template_payload import label, template_plan
from .phone import read_number

TEMPLATE = frozenset({"template"})


@lru_cache(maxsize=65536)
def us_number(to: str) -> str | None:
    """The E.164 form of ``to`` when it is a number in the United States, else None.

    +1 is shared by the whole North American Numbering Plan; the area code decides the
    country, which libphonenumber knows (``+1 416…`` is Canada, ``+1 787…`` Puerto Rico).
    Cached like ``read_number``: a campaign parses each recipient once."""
    e164 = read_number(to).e164
    if e164 is None or not e164.startswith("+1"):
        return None
    import phonenumbers  # here: most runs need none of it (rules.phone_cache)

    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    return e164 if region == "US" else None


def _marketing_to_us(payload, ctx):
    """What WA218's verdict depends on besides a line's skeleton (``Rule.cache_by``): for a
    MARKETING template, whether ``to`` is a US number."""
    found = template_plan(payload, ctx)
    if found is None or found[1].category != "MARKETING" or payload.get("recipient_type") == "group":
        return None
    return lambda to: us_number(to) is not None


class TemplateMarketingToUs(Rule):
    """MARKETING templates are not delivered to US phone numbers.

    **What it does**
    Looks up the template's ``category`` in the registry and, for a MARKETING template,
    reads ``to``: a +1 number whose area code is in the United States (by libphonenumber;
    Canada, Puerto Rico and the rest of the +1 zone are not) is reported. Group recipients
    are not phone numbers and are not checked.

    **Why is this bad?**
    Since 2025-04-01 Meta does not deliver marketing templates to US numbers. The API
    accepts the request (HTTP 200); the message then fails in a status webhook with 131049
    ("Meta chose not to deliver"), and resending does not help.

    A warning, not an error, by choice: Meta calls the pause temporary, and the per-user
    marketing limit behind 131049 does not count messages sent inside a customer service
    window the user opened — whether the US pause spares them too is not documented, and a
    payload does not show whether such a window is open. Raise it to an error (``severity:
    {WA218: error}``) to keep these messages out of a send.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+12025550123", "type": "template", "template": {"name": "event_invite", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "text", "text": "Ana"}]}, {"type": "body", "parameters": [{"type": "text", "text": "7pm"}, {"type": "text", "text": "a friend"}]}, {"type": "button", "sub_type": "flow", "index": "1", "parameters": [{"type": "action", "action": {"flow_token": "rsvp-1"}}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+12025550123", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA218"
    name = "template-marketing-us"
    cache_by = _marketing_to_us
    severity = Severity.WARNING
    api_error = 131049
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None or found[1].category != "MARKETING":
            return
        to = payload.get("to")
        if not isinstance(to, str) or payload.get("recipient_type") == "group":
            return
        e164 = us_number(to)
        if e164 is not None:
            yield Problem("to", f"{label(found[1])} is a MARKETING template and {e164} is a US "
                                "number: Meta has not delivered marketing templates to US "
                                "numbers since 2025-04-01 (status 131049)")
