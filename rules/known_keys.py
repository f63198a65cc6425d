"""The keys the Cloud API knows at each level of a send payload — data, read by WA106.

A ``Shape`` is the set of keys one JSON object may carry, plus the shapes of the objects
(or of each object in the arrays) under some of those keys. A level that is not described
here is not checked: where Meta's documentation, its OpenAPI file and its own examples do
not pin an object down (``order_details`` internals, carousel cards, Flow ``data``,
``date_time`` parameters, the actions of the newer interactive types), walint stays silent
rather than raise a false alarm.

Every key below appears in Meta's send-message documentation, in its OpenAPI spec
(``facebook/openapi``, business-messaging-api_v23.0.yaml) or in the request bodies of Meta's
examples and of the pywa / whatsapp-api-js SDKs (tests/data/meta-examples.jsonl). A key is
known wherever it is known for *some* message kind at that level — ``filename`` on an image
is not "unknown" but misplaced, which WA405 reports with a better message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Shape:
    """The keys an object may have, and the shapes nested under some of them.

    ``plans`` caches, per tuple of keys seen in a payload object, the unknown keys among
    them and the (key, shape) pairs to descend into: a campaign repeats the same few key
    layouts, so each level is then one tuple build and one dict lookup."""

    keys: frozenset[str]
    nested: Mapping[str, Shape] = field(default_factory=dict)
    plans: dict = field(default_factory=dict, compare=False, repr=False)


def shape(keys: str, **nested: Shape) -> Shape:
    """``shape("a b c", b=...)``: keys as one space-separated string, nested shapes by key."""
    names = frozenset(keys.split())
    unknown = set(nested) - names
    assert not unknown, f"nested shapes for keys not listed: {unknown}"
    return Shape(names, nested)


TEXT = shape("body preview_url")
#: One table for all media kinds (OpenAPI ``MediaObject``); what fits which kind is WA405's.
#: ``provider`` is a documented media field of the On-Premises API; it is not flagged as
#: unknown because whether Cloud API rejects or ignores it is not documented.
MEDIA = shape("id link caption filename voice provider")
LOCATION = shape("latitude longitude name address")
REACTION = shape("message_id emoji")
CONTACT = shape(
    "addresses birthday emails name org phones urls",
    addresses=shape("street city state zip country country_code type"),
    emails=shape("email type"),
    name=shape("formatted_name first_name last_name middle_name suffix prefix"),
    org=shape("company department title"),
    phones=shape("phone type wa_id"),
    urls=shape("url type"),
)

# -- templates -------------------------------------------------------------------------------
#: Parameter objects: ``type``, the value under the key named by the type, and
#: ``parameter_name`` for named templates (pywa ``ParamType``; OpenAPI ``ParameterObject``).
PARAMETER = shape(
    "type parameter_name text currency date_time image video document gif location payload "
    "coupon_code action product limited_time_offer tap_target_configuration",
    currency=shape("fallback_value code amount_1000"),
)
#: ``cards`` belongs to a carousel component; the cards themselves are not checked.
COMPONENT = shape("type sub_type index parameters cards", parameters=PARAMETER)
#: ``namespace`` is the On-Premises API's; kept known for the same reason as ``provider``.
TEMPLATE = shape(
    "name language components namespace",
    language=shape("code policy"),
    components=COMPONENT,
)

# -- interactive -----------------------------------------------------------------------------
HEADER = shape("type text image video document", image=MEDIA, video=MEDIA, document=MEDIA)
INTERACTIVE_TEXT = shape("text")
INTERACTIVE = shape(
    "type header body footer action",
    header=HEADER, body=INTERACTIVE_TEXT, footer=INTERACTIVE_TEXT,
)
#: ``interactive.action`` by ``interactive.type``. Types absent here (carousel, voice_call,
#: call_permission_request, request_contact_info, address_message, order_details,
#: order_status) have actions whose keys are not pinned down: not checked.
ACTIONS: Mapping[str, Shape] = {
    "button": shape(
        "buttons",
        buttons=shape("type reply", reply=shape("id title")),
    ),
    "list": shape(
        "button sections",
        sections=shape("title rows", rows=shape("id title description")),
    ),
    "cta_url": shape("name parameters", parameters=shape("display_text url")),
    "flow": shape(
        "name parameters",
        parameters=shape(
            "flow_message_version flow_token flow_id flow_name flow_cta flow_action "
            "flow_action_payload mode",
            flow_action_payload=shape("screen data"),  # data is the Flow's own: free-form
        ),
    ),
    "product": shape("catalog_id product_retailer_id"),
    "product_list": shape(
        "catalog_id sections",
        sections=shape("title product_items", product_items=shape("product_retailer_id")),
    ),
    "catalog_message": shape("name parameters", parameters=shape("thumbnail_product_retailer_id")),
    "location_request_message": shape("name"),
}

# -- the request -----------------------------------------------------------------------------
#: Top level of ``POST /<PHONE_NUMBER_ID>/messages``: the envelope (OpenAPI
#: ``BaseMessageProperties``), the optional fields of Meta's examples (``context``,
#: ``biz_opaque_callback_data``, ``recipient`` for business-scoped user ids,
#: ``recipient_identity_key_hash``, ``messaging_account_id``), the read-receipt / typing
#: indicator body (``status``, ``message_id``, ``typing_indicator``), the Marketing Messages
#: API's ``message_activity_sharing`` and ``product_policy``, and one content object per
#: message type.
REQUEST = shape(
    "messaging_product recipient_type to recipient type context biz_opaque_callback_data "
    "recipient_identity_key_hash messaging_account_id status message_id typing_indicator "
    "message_activity_sharing product_policy "
    "text image video document audio sticker location contacts reaction template interactive",
    context=shape("message_id"),
    typing_indicator=shape("type"),
    text=TEXT, image=MEDIA, video=MEDIA, document=MEDIA, audio=MEDIA, sticker=MEDIA,
    location=LOCATION, contacts=CONTACT, reaction=REACTION, template=TEMPLATE,
    interactive=INTERACTIVE,
)
