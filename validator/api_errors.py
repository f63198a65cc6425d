"""What Meta's Cloud API error codes mean, and what a sender should do about each one.

This is the catalogue behind ``walint explain <code>``: for every error code walint knows, a
short title, what it means, whether an automatic retry can help, how to fix it and where the
fact comes from. Rules name the code they prevent (``Rule.api_error``); this module tells the
user what that code would have cost them.

Why the catalogue is keyed on ``code`` and nothing else: Meta tells integrators to build their
error handling on ``error.code`` and ``error_data.details``. Titles (the text after ``(#code)``
in ``error.message``) "will eventually be deprecated", ``error_subcode`` is not returned from
v16.0 on, and the HTTP status is unreliable: the older Meta table gives 400 for the throttling
codes 4, 80007, 130429, 131048 and 131056, other transcriptions give 429 for the same codes,
and the current page no longer lists a status at all. ``http_status`` is therefore kept only
as information, worded as uncertain, and nothing in walint decides on it.

Why ``retry`` has three values and not a boolean: a sender needs to know more than "may I
try again". Some errors are transient and clear in seconds (:attr:`Retry.RETRY`); some only
clear after hours or after someone fixes something outside the payload, so an automatic
retry loop just burns calls and quality (:attr:`Retry.LATER`); the rest fail identically
until the payload, template, account or recipient is changed (:attr:`Retry.FIX`). The
classification follows the wording of Meta's own page; where that wording is ambiguous the
entry's notes say which reading was chosen and why.

Errors arrive in the HTTP response, in a ``messages`` webhook (``statuses[].errors[]`` with
``status: "failed"``, or ``value.errors``), or both. A 200 response only means "accepted".
``surfaces`` records where a code usually shows up; Meta documents this for few codes, so it
is a hint drawn from observed responses, not a contract.

The data is plain literals so that ``walint explain`` costs an import and a dict lookup, with
no file I/O. Every fact carries its source; codes Meta does not document (seen only in SDKs or
in real responses) cite the repository where they were found and say so in their notes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = ["ApiError", "Retry", "all_errors", "format_explanation", "lookup"]


class Retry(str, Enum):
    """What resending the *same* request can achieve.

    The distinction matters to a sender's retry loop: ``RETRY`` codes belong in it (with
    exponential backoff), ``LATER`` codes must leave it (park the message for hours or until
    someone acts), and ``FIX`` codes must never enter it, because each identical attempt fails
    again and, for recipient-facing errors, can hurt the number's quality rating.
    """

    RETRY = "retry"  # temporary: retry automatically with backoff
    LATER = "later"  # only after hours, or after an external fix
    FIX = "fix"  # an identical retry fails: fix payload/template/account/recipient first

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ApiError:
    """One Meta error code (or one contiguous range of codes that share a meaning).

    ``code`` is the code as it appears in ``error.code``; ``last_code`` is set only for a
    range entry (200–299), which then answers :func:`lookup` for every code in between.
    ``http_status`` is informational and says where it is uncertain. ``surfaces`` is
    ``"sync"`` (HTTP response), ``"webhook"`` (failed-status webhook), ``"either"`` or None
    when nothing is known. ``sources`` are https URLs: Meta pages first, then the repository
    or issue thread for codes Meta does not document. ``details_seen`` are
    ``error_data.details`` texts from real responses, for matching a user's log line.
    ``aliases`` are other codes the API has been seen to return for the same mistake, which a
    rule predicting this code should also accept.
    """

    code: int
    title: str
    meaning: str
    retry: Retry
    fix: str
    http_status: str | None
    surfaces: str | None
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    details_seen: tuple[str, ...] = ()
    aliases: tuple[int, ...] = ()
    last_code: int | None = None

    @property
    def label(self) -> str:
        """The code as a user reads it: ``132000``, or ``200–299`` for a range."""
        if self.last_code is None:
            return str(self.code)
        return f"{self.code}–{self.last_code}"

    def covers(self, code: int) -> bool:
        """Whether this entry explains ``code``."""
        if self.last_code is None:
            return code == self.code
        return self.code <= code <= self.last_code


# -- sources --------------------------------------------------------------------------------
_META = "https://developers.facebook.com/documentation/business-messaging/whatsapp"
M_ERR = f"{_META}/support/error-codes"
M_SEND = f"{_META}/messages/send-messages"
M_TPL = f"{_META}/templates/overview"
M_COMP = f"{_META}/templates/components"
M_MEDIA = f"{_META}/business-phone-numbers/media#supported-media-types"
M_THRU = f"{_META}/throughput"
M_PAIR = f"{_META}/"
M_LIM = f"{_META}/messaging-limits"
M_PUL = f"{_META}/templates/marketing-templates/per-user-limits"
# Codes Meta does not document were found in the pywa SDK's error classes.
PYWA = (
    "https://github.com/david-lev/pywa/blob/0bcf2f192ff3cf8ae24a425d85f4295e3cca7a62"
    "/pywa/errors.py"
)
_GH = "https://github.com"

# -- recurring wording ----------------------------------------------------------------------
_OLD = "older Meta table; unconfirmed"
_THROTTLE_STATUS = "400 per the older Meta table; other copies say 429 — do not rely on it"
_NEWLINE_DETAILS = (
    "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
)
_NO_LIMIT_CODE = (
    "Meta documents no dedicated error code for exceeding the business portfolio's messaging "
    "limit (unique users reached outside a service window per 24 h); the nearest documented "
    "limit codes are 131048 (spam/quality restriction), 131064 (limit after template "
    "misclassification) and 131049 (per-user marketing cap)."
)
_SDK_ONLY = (
    "Not on Meta's error-codes page; known only from the pywa SDK. The retry class is "
    "walint's reading: an identical resend cannot change the outcome."
)
_CREATION_TIME = (
    "Returned when creating or editing a template (POST /<WABA_ID>/message_templates), never "
    "by /messages: fix the template definition, not the campaign."
)


_ERRORS: tuple[ApiError, ...] = (
    # -- Graph API / authentication ------------------------------------------------------------
    ApiError(
        code=0,
        title="Authentication failed",
        meaning="The app user could not be authenticated: the access token expired or was "
        "invalidated, or the user has blocked apps.",
        retry=Retry.FIX,
        fix="Get a new access token (for unattended senders, a system-user token) and resend.",
        http_status=f"401 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=1,
        title="Unknown API error",
        meaning="The request was invalid, or the server had a problem it could not name.",
        retry=Retry.FIX,
        fix="Check the WhatsApp Business Platform status page first. If there is no outage, "
        "compare the request with the endpoint reference: the payload is the likely cause.",
        http_status=f"400 ({_OLD}; one copy says 400/500)",
        surfaces="sync",
        sources=(M_ERR,),
        notes=(
            "Meta's wording covers both a bad request and an outage. walint files it under "
            "'fix first' because a bad request is the usual cause and retrying it cannot "
            "succeed; retry only while the status page reports an outage.",
        ),
    ),
    ApiError(
        code=2,
        title="API service temporarily unavailable",
        meaning="The service is down or overloaded for a short time.",
        retry=Retry.RETRY,
        fix="Retry with exponential backoff; check the WhatsApp Business Platform status page "
        "if it persists.",
        http_status=f"503 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=3,
        title="API method not available to this app",
        meaning="A capability or permission problem: the app cannot call this method.",
        retry=Retry.FIX,
        fix="Check that the app and its token have the capability and permissions this "
        "endpoint needs; the call cannot succeed until they do.",
        http_status=f"500 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=4,
        title="Too many API calls (app rate limit)",
        meaning="The app reached its Graph API call rate limit. This limits API calls by the "
        "app, not messages per second (that is 130429).",
        retry=Retry.RETRY,
        fix="Back off and retry later, with long delays (minutes, not seconds); spread calls "
        "out and cut unnecessary ones (polling, repeated template fetches).",
        http_status=_THROTTLE_STATUS,
        surfaces="sync",
        sources=(M_ERR,),
        notes=(
            "Meta's wording is 'retry later'. walint files it as retryable with backoff "
            "because the limit clears by itself; make the backoff long.",
            "A separate limit from the WABA's Graph API limit (80007) and from message "
            "throughput (130429).",
        ),
    ),
    ApiError(
        code=10,
        title="Permission denied",
        meaning="A permission was not granted or was removed, or the account is not eligible "
        "for this endpoint.",
        retry=Retry.FIX,
        fix="Check the token's permissions and the account's eligibility for the endpoint, "
        "then resend with a token that has them.",
        http_status=f"403 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=33,
        title="Business phone number deleted",
        meaning="The parameter value is not valid because the business phone number it names "
        "has been deleted.",
        retry=Retry.FIX,
        fix="Send from a phone number ID that still exists on the WABA.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=100,
        title="Invalid parameter",
        meaning="The request has an unsupported or misspelled parameter, a value of the wrong "
        "type, a missing required field, or a value over its length limit.",
        retry=Retry.FIX,
        fix="Read error_data.details: it names the offending key. Remove unknown keys, add "
        "required ones, send strings where strings are expected and keep values within their "
        "length limits.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(
            M_ERR,
            f"{_GH}/WhatsApp/WhatsApp-Nodejs-SDK/issues/21",
            f"{_GH}/voiceflow-community/example-integration-whatsapp/issues/7",
            f"{_GH}/shridarpatil/frappe_whatsapp/issues/43",
            f"{_GH}/chatwoot/chatwoot/issues/13159",
        ),
        notes=(
            "The most common code for payload-shape mistakes: unknown keys, missing required "
            "fields and wrong JSON types all come back as 100 in practice, even where a more "
            "specific code (131008, 131009) exists.",
            "Newline/tab characters or 5+ consecutive spaces in a template text parameter: "
            "older reports show 100; current responses use 132018.",
            "Sending to the business's own number has been seen to return 100 'Invalid "
            "parameter' instead of the documented 131021.",
        ),
        details_seen=(
            'Unexpected key "policystring" on param "template[\'language\']"',
            "The parameter template['language']['code'] is required.",
            "Parameter 'text' is mandatory for component parameter type 'text'",
            "Param template['components'][0]['parameters'][0]['text'] must be a string.",
        ),
    ),
    ApiError(
        code=190,
        title="Access token expired",
        meaning="The access token used for the call has expired.",
        retry=Retry.FIX,
        fix="Get a new access token (use a long-lived system-user token for unattended "
        "senders) and resend.",
        http_status=f"401 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=200,
        last_code=299,
        title="API permission missing",
        meaning="Codes 200–299 mean a permission was not granted or was removed. Code 200 "
        "itself is also returned by some GET endpoints when no access token is provided "
        "(message 'Provide valid app ID').",
        retry=Retry.FIX,
        fix="Send a valid access token, and grant the app the permission the endpoint needs "
        "(whatsapp_business_messaging to send, whatsapp_business_management for templates).",
        http_status=f"403 for the permission range ({_OLD}); none listed for the no-token case",
        surfaces="sync",
        sources=(M_ERR,),
        notes=("One entry covers the whole 200–299 range, as Meta's table does.",),
    ),
    ApiError(
        code=368,
        title="Temporarily blocked for policy violations",
        meaning="The WhatsApp Business Account is restricted or disabled for violating "
        "platform policy.",
        retry=Retry.FIX,
        fix="Check the account's status and policy notices in WhatsApp Manager; appeal or "
        "resolve the violation before sending again.",
        http_status=f"403 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=80007,
        title="WABA rate limit reached",
        meaning="The WhatsApp Business Account reached its Graph API rate limit. This limits "
        "API calls for the WABA, not messages per second (that is 130429).",
        retry=Retry.RETRY,
        fix="Back off and retry later, with long delays; reduce API calls made on behalf of "
        "this WABA.",
        http_status=_THROTTLE_STATUS,
        surfaces="sync",
        sources=(M_ERR,),
        notes=(
            "Meta's wording is 'retry later'. walint files it as retryable with backoff "
            "because the limit clears by itself; make the backoff long.",
            "Separate from the app-level limit (4) and from message throughput (130429).",
        ),
    ),
    # -- 130xxx ------------------------------------------------------------------------------
    ApiError(
        code=130403,
        title="Business has blocked this user",
        meaning="The business blocked this WhatsApp user, so it cannot message them.",
        retry=Retry.FIX,
        fix="Unblock the user first, or remove them from the campaign.",
        http_status=None,
        surfaces=None,
        sources=(M_ERR,),
    ),
    ApiError(
        code=130429,
        title="Message throughput reached",
        meaning="The business phone number is sending faster than its Cloud API throughput "
        "allows (80 messages per second by default, counting inbound and outbound; up to 1,000 "
        "after an automatic upgrade; 20 for numbers shared with the WhatsApp Business app).",
        retry=Retry.RETRY,
        fix="Retry with backoff and lower the send rate: pace the campaign below the number's "
        "throughput.",
        http_status=_THROTTLE_STATUS,
        surfaces="sync",
        sources=(M_ERR, M_THRU),
        notes=(
            "Throughput is per registered phone number; spreading a campaign over time, not "
            "retrying faster, is what clears it.",
        ),
    ),
    ApiError(
        code=130472,
        title="User is part of an experiment",
        meaning="The recipient's number is in a Meta marketing-message experiment, so the "
        "message was not sent.",
        retry=Retry.FIX,
        fix="Skip this recipient for this message; there is nothing to change in the payload.",
        http_status=f"400 ({_OLD})",
        surfaces="webhook",
        sources=(M_ERR,),
        notes=(
            "Meta does not say when the experiment ends. walint files it as 'do not retry "
            "for this user', the safe reading; other recipients are unaffected.",
        ),
    ),
    ApiError(
        code=130497,
        title="Country restricted for this business",
        meaning="The WhatsApp Business Account is restricted from messaging users in certain "
        "countries, and the recipient is in one of them.",
        retry=Retry.FIX,
        fix="Remove recipients in the restricted countries from the campaign.",
        http_status=None,
        surfaces=None,
        sources=(M_ERR,),
    ),
    # -- 131xxx: sending ----------------------------------------------------------------------
    ApiError(
        code=131000,
        title="Something went wrong",
        meaning="The message failed because of an unknown error.",
        retry=Retry.RETRY,
        fix="Retry with backoff. If it keeps failing, open a Direct Support ticket with the "
        "fbtrace_id.",
        http_status=f"500 ({_OLD})",
        surfaces="either",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131005,
        title="Access denied",
        meaning="A permission needed for the call was not granted or was removed.",
        retry=Retry.FIX,
        fix="Grant the app the required permission (whatsapp_business_messaging to send) and "
        "use a token that carries it.",
        http_status=f"403 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131008,
        title="Required parameter missing",
        meaning="The request is missing a parameter the message type requires.",
        retry=Retry.FIX,
        fix="Add the missing field named in error_data.details — e.g. the button component "
        "for a template with a dynamic URL button, or the object named like `type`.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, f"{_GH}/shridarpatil/whatomate/issues/501"),
        notes=(
            "Many missing fields come back as 100 ('The parameter … is required.') rather "
            "than 131008.",
        ),
        details_seen=("buttons: Button at index 0 of type Url requires a parameter",),
        aliases=(100,),
    ),
    ApiError(
        code=131009,
        title="Parameter value not valid",
        meaning="A parameter has a value the API does not accept for that field.",
        retry=Retry.FIX,
        fix="Correct the value named in error_data.details (allowed values, lengths, counts "
        "of buttons/rows/sections).",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(
            M_ERR,
            f"{_GH}/Secreto31126/whatsapp-api-js/issues/54",
            f"{_GH}/juspay/clairvoyance/pull/1128",
        ),
        notes=(
            "Seen for a list message with an image header (lists take text headers only) and "
            "for a template with a FLOW button sent without its button component.",
        ),
        details_seen=("Text cannot be null for header type text",),
    ),
    ApiError(
        code=131016,
        title="Service unavailable",
        meaning="A service is temporarily unavailable.",
        retry=Retry.RETRY,
        fix="Retry with backoff; check the WhatsApp Business Platform status page if it "
        "persists.",
        http_status=f"500 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131021,
        title="Recipient cannot be sender",
        meaning="The recipient (`to`) is the business phone number sending the message.",
        retry=Retry.FIX,
        fix="Send to a different number; a business number cannot message itself.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, f"{_GH}/gabrieldwight/Whatsapp-Business-Cloud-Api-Net/issues/106"),
        notes=("This mistake has also been seen to return 100 'Invalid parameter'.",),
        aliases=(100,),
    ),
    ApiError(
        code=131026,
        title="Message undeliverable",
        meaning="WhatsApp could not deliver the message: the number is not on WhatsApp, the "
        "user has not accepted the current Terms of Service, or their client is too old "
        "(older than Android/SMBA 2.21.15.15, iOS/SMBI 2.21.170.4, KaiOS 2.2130.10, "
        "Web 2.2132.6).",
        retry=Retry.FIX,
        fix="Check that the number is complete and in international format (no trunk '0' "
        "after the country code). Through another channel, ask the user to confirm they can "
        "message your number, accept the latest Terms of Service and update WhatsApp.",
        http_status=f"400 ({_OLD})",
        surfaces="webhook",
        sources=(M_ERR,),
        notes=(
            "The older Meta table also listed authentication templates sent to +91 numbers "
            "under this code.",
            "A wrongly formatted `to` (national format, trunk prefix) most likely ends here: "
            "the API reaches a different or non-existent number.",
        ),
    ),
    ApiError(
        code=131030,
        title="Recipient not in the test number's allowed list",
        meaning="The message was sent from a test (public test) business number, and the "
        "recipient is not on that number's list of allowed recipients. It only happens with "
        "test numbers.",
        retry=Retry.FIX,
        fix="Add the recipient's number to the test number's allowed recipients list (in the "
        "app's WhatsApp API setup) and resend, or send from a registered production number.",
        http_status="400 (observed in real responses)",
        surfaces="sync",
        sources=(PYWA,),
        notes=(
            "Myth: 131030 is NOT a daily business-initiated conversation limit or any other "
            "rate or messaging limit. It only concerns the allowed-recipient list of a test "
            "number.",
            _NO_LIMIT_CODE,
            "Absent from Meta's current error-codes page, yet a real and frequent response "
            "(message '(#131030) Recipient phone number not in allowed list', subcode "
            "2655007); pywa models it as RecipientNotInAllowedList.",
        ),
        details_seen=("Add recipient phone number to recipient list and try again.",),
    ),
    ApiError(
        code=131031,
        title="Account locked",
        meaning="The business account was locked, because of a policy violation or because "
        "data in the request (such as the two-step verification PIN) could not be verified.",
        retry=Retry.FIX,
        fix="Check the account's status in WhatsApp Manager and resolve the policy issue or "
        "the verification data before sending again.",
        http_status=f"403 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131037,
        title="555 number has no approved display name",
        meaning="The business phone number is a 555 number whose display name has not been "
        "approved.",
        retry=Retry.FIX,
        fix="Get the number's display name approved in WhatsApp Manager before sending.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131042,
        title="Payment issue",
        meaning="The business is not eligible to send because of a payment problem: no or "
        "exceeded credit line, WABA deleted or suspended, timezone or currency not set, or an "
        "On-Behalf-Of request still pending.",
        retry=Retry.FIX,
        fix="Fix the payment setup in Business Manager (payment method, credit line, currency, "
        "timezone) and resend.",
        http_status=f"400 ({_OLD}; one copy 402)",
        surfaces="either",
        sources=(M_ERR,),
        notes=(
            "The pre-2025 page also said 'exceeded conversation free tier threshold without a "
            "valid payment method'; the current page drops that line.",
        ),
    ),
    ApiError(
        code=131045,
        title="Phone number not registered (certificate)",
        meaning="Incorrect certificate: the business phone number has a registration problem.",
        retry=Retry.FIX,
        fix="Register the phone number (POST /<PHONE_NUMBER_ID>/register) and resend.",
        http_status=f"500 ({_OLD}; one copy 400)",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131047,
        title="Outside the 24-hour customer service window",
        meaning="More than 24 hours have passed since the user last messaged or called the "
        "business, so only template messages may be sent.",
        retry=Retry.FIX,
        fix="Send an approved template message instead. Free-form messages are allowed again "
        "once the user writes or calls, which reopens the window for 24 hours.",
        http_status=f"400 ({_OLD}; one copy 429)",
        surfaces="webhook",
        sources=(M_ERR, M_SEND),
    ),
    ApiError(
        code=131048,
        title="Spam rate limit hit",
        meaning="Sending from this number is restricted because earlier messages were blocked "
        "or flagged as spam by users.",
        retry=Retry.LATER,
        fix="Stop the campaign from this number. Check its quality rating in WhatsApp Manager, "
        "tighten targeting and opt-in, and resume only when the restriction is lifted.",
        http_status=_THROTTLE_STATUS,
        surfaces="either",
        sources=(M_ERR,),
        notes=(
            "A quality restriction, not a throughput limit: retrying sooner makes it worse.",
            _NO_LIMIT_CODE,
        ),
    ),
    ApiError(
        code=131049,
        title="Meta chose not to deliver",
        meaning="Meta did not deliver the message to keep ecosystem engagement healthy: the "
        "user reached WhatsApp's per-user cap on marketing templates (across all businesses), "
        "or the template is MARKETING and the recipient is a US (+1) number — marketing "
        "templates are not delivered to US numbers since 2025-04-01.",
        retry=Retry.LATER,
        fix="Do not resend immediately: wait at least 24 hours; earlier resends fail again. "
        "Remove US +1 numbers from marketing campaigns. Marketing messages sent while the user "
        "has an open service window do not count toward the cap.",
        http_status=None,
        surfaces="webhook",
        sources=(M_ERR, M_PUL),
        notes=(
            "The cap is dynamic; Meta publishes no number.",
            "For US recipients no wait helps: the marketing template will not be delivered.",
        ),
    ),
    ApiError(
        code=131050,
        title="User stopped marketing messages",
        meaning="The user chose to stop receiving marketing messages from this business.",
        retry=Retry.FIX,
        fix="Do not retry. Remove the user from marketing audiences, and subscribe to the "
        "user_preferences webhook to learn of opt-outs (and opt-ins) as they happen.",
        http_status=None,
        surfaces="webhook",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131051,
        title="Unsupported message type",
        meaning="The message `type` is not one the API supports.",
        retry=Retry.FIX,
        fix="Use a supported `type` (text, template, image, audio, video, document, sticker, "
        "location, contacts, interactive, reaction) and include the object named like it.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, M_SEND),
    ),
    ApiError(
        code=131052,
        title="Media download error (inbound)",
        meaning="Media the user sent to the business could not be downloaded, for example a "
        "file over 100 MB.",
        retry=Retry.FIX,
        fix="Ask the user, outside WhatsApp if needed, to send the media again or by another "
        "means; files over 100 MB cannot be downloaded.",
        http_status=f"400 ({_OLD})",
        surfaces="webhook",
        sources=(M_ERR, M_MEDIA),
        notes=("About media the user sent you, not media in your campaign (that is 131053).",),
    ),
    ApiError(
        code=131053,
        title="Media upload error",
        meaning="The media in your message could not be uploaded or fetched, usually because "
        "its MIME type is unsupported or does not match the file.",
        retry=Retry.FIX,
        fix="Send a file of a supported type and size for the message kind, served with the "
        "right Content-Type and a matching extension (e.g. audio as 'audio/ogg; codecs=opus', "
        "not 'audio/opus'; WebP only as a sticker).",
        http_status=f"400 ({_OLD})",
        surfaces="webhook",
        sources=(
            M_ERR,
            M_MEDIA,
            f"{_GH}/chatwoot/chatwoot/issues/12260",
            f"{_GH}/chatwoot/chatwoot/issues/12713",
        ),
        notes=(
            "Meta calls a MIME type that does not match the file extension a common cause.",
            "Often accepted with 200 and failed later in a status webhook.",
        ),
        details_seen=(
            "Unsupported Audio mime type audio/opus. Please use one of audio/ogg; codecs=opus, "
            "audio/mpeg, audio/amr, audio/mp4, audio/aac.",
        ),
    ),
    ApiError(
        code=131055,
        title="Method not allowed (Marketing Messages API)",
        meaning="Marketing Messages API only: the request is not a marketing template, and "
        "only marketing templates are supported there.",
        retry=Retry.FIX,
        fix="Send only MARKETING templates through the Marketing Messages API; send other "
        "messages through Cloud API /messages.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131056,
        title="Pair rate limit hit",
        meaning="Too many messages from this business number to the same recipient in a short "
        "time: the (business account, consumer account) pair rate limit. Other recipients are "
        "not affected.",
        retry=Retry.RETRY,
        fix="Back off for this recipient only and retry after 4^X seconds (X = 0, 1, 2, …). "
        "Plan no more than one message per 6 seconds to the same user; bursts of up to 45 are "
        "tolerated but borrowed from later (a burst of 20 costs about 2 minutes of cooldown).",
        http_status="400 (observed; other copies say 429)",
        surfaces="sync",
        sources=(M_ERR, M_PAIR),
        notes=(
            "Myth: 131056 does NOT mean 'business account not verified'. Business verification "
            "is never a send-time error; it only raises the messaging-limit tier (250 → 2,000 "
            "via a scaling path) and the template quota (250 → 6,000). Display-name problems "
            "are 131037, a locked account 131031, billing 131042.",
        ),
    ),
    ApiError(
        code=131057,
        title="Business account in maintenance mode",
        meaning="The business account is in maintenance mode, for example while its throughput "
        "is being upgraded (which takes up to about a minute).",
        retry=Retry.RETRY,
        fix="Retry with backoff after a minute or so.",
        http_status=f"500 ({_OLD}; one copy 503)",
        surfaces="sync",
        sources=(M_ERR, M_THRU),
    ),
    ApiError(
        code=131063,
        title="Marketing templates disabled on Cloud API",
        meaning="The template is MARKETING, but the WABA has marketing messages disabled on "
        "Cloud API (disable_marketing_messages_on_cloud_api=true).",
        retry=Retry.FIX,
        fix="Send marketing templates through the Marketing Messages API, or re-enable "
        "marketing on Cloud API for the WABA.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=131064,
        title="Messaging limit after template misclassification",
        meaning="The account hit a messaging limit imposed because its templates were "
        "misclassified (e.g. marketing content in utility templates); it applies to template "
        "and direct-send messages.",
        retry=Retry.LATER,
        fix="Wait for the enforcement period to end (the limit lifts automatically), and "
        "re-categorise templates correctly so it does not recur.",
        http_status=None,
        surfaces=None,
        sources=(M_ERR,),
        notes=(_NO_LIMIT_CODE,),
    ),
    # -- 132xxx: templates and flows ------------------------------------------------------------
    ApiError(
        code=132000,
        title="Template parameter count mismatch",
        meaning="The number of parameter values sent for a template component differs from the "
        "number of variables in the approved template.",
        retry=Retry.FIX,
        fix="Send exactly one parameter per variable ({{1}}, {{2}}, … or named {{name}}) in "
        "each component — header, body and dynamic buttons — as the approved template defines.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(
            M_ERR,
            f"{_GH}/PipedreamHQ/pipedream/pull/6071",
            f"{_GH}/david-lev/pywa/issues/154",
        ),
        notes=(
            "A few older reports attach the newline/tab parameter-text error to 132000; "
            "current responses use 132018.",
        ),
        details_seen=(
            "body: number of localizable_params (2) does not match the expected number of "
            "params (1)",
        ),
    ),
    ApiError(
        code=132001,
        title="Template does not exist",
        meaning="No approved template with this name exists in this language.",
        retry=Retry.FIX,
        fix="Check the template name and language.code against the WABA's approved templates "
        "(a name approved in one language does not exist in another), and wait for approval "
        "of new templates.",
        http_status=f"404 per the older Meta table; 400 in other copies ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, M_TPL, f"{_GH}/Neurotech-HQ/heyoo/issues/69"),
        details_seen=("template name (hello_world_es) does not exist in en_US",),
    ),
    ApiError(
        code=132005,
        title="Template text too long",
        meaning="The template text with its parameters filled in is longer than allowed "
        "('Translated text is too long').",
        retry=Retry.FIX,
        fix="Shorten the parameter values so the hydrated header stays within 60 and the body "
        "within 1,024 characters.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=132007,
        title="Template character policy violated",
        meaning="The template content, with its parameters, violates WhatsApp's formatting or "
        "content policy.",
        retry=Retry.FIX,
        fix="Change the parameter values (or the template) so the content complies with "
        "WhatsApp's commerce and business policies.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=132012,
        title="Template parameter format mismatch",
        meaning="A parameter value is not in the format the template specifies — e.g. a text "
        "parameter where the header expects an image, or the wrong parameter type.",
        retry=Retry.FIX,
        fix="Send each parameter with the type the template expects: a media header needs a "
        "parameter of the header's format (image/video/document), a location header a "
        "location parameter, and currency/date_time variables their typed objects.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(
            M_ERR,
            f"{_GH}/shridarpatil/whatomate/issues/223",
            f"{_GH}/chatwoot/chatwoot/issues/15622",
        ),
        details_seen=("header: Format mismatch, expected IMAGE, received UNKNOWN",),
    ),
    ApiError(
        code=132015,
        title="Template paused",
        meaning="The template is paused because of low quality.",
        retry=Retry.FIX,
        fix="Edit the template to address the quality feedback and wait for it to be approved "
        "again, or send a different approved template.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, M_TPL),
        notes=(
            "A Go SDK enum labels 132015 'template parameter invalid'; that is wrong — Meta "
            "says 132015 means the template is paused.",
        ),
    ),
    ApiError(
        code=132016,
        title="Template disabled",
        meaning="The template is permanently disabled because it was paused too many times "
        "for low quality.",
        retry=Retry.FIX,
        fix="Create a new template with different content, get it approved and send that.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, M_TPL),
    ),
    ApiError(
        code=132018,
        title="Template parameter validation error",
        meaning="There is an issue with the parameters in your template, most often a text "
        "parameter containing a newline, a tab, or more than 4 consecutive spaces.",
        retry=Retry.FIX,
        fix="Remove newlines, carriage returns and tabs from text parameters and collapse runs "
        "of spaces to at most 4; put multi-line layout in the template text itself.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR, f"{_GH}/netflie/whatsapp-cloud-api/issues/201"),
        notes=(
            "Meta lists 132018 only in its Marketing Messages API block, but Cloud API "
            "responses return it for newline/tab parameter text.",
            "Older reports attach the same details text to 100 or 132000; walint predicts "
            "132018 and accepts those as aliases.",
        ),
        details_seen=(_NEWLINE_DETAILS,),
        aliases=(100, 132000),
    ),
    ApiError(
        code=132068,
        title="Flow is blocked",
        meaning="The Flow referenced by the message is in a blocked state.",
        retry=Retry.FIX,
        fix="Fix the Flow (see its status and health in WhatsApp Manager) or send a different "
        "Flow.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=132069,
        title="Flow is throttled",
        meaning="The Flow is throttled and 10 messages using it were already sent in the last "
        "hour.",
        retry=Retry.LATER,
        fix="Wait at least an hour before sending this Flow again, and fix the Flow's health so "
        "it is no longer throttled.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    # -- 133xxx: registration ------------------------------------------------------------------
    ApiError(
        code=133000,
        title="Incomplete deregistration",
        meaning="A previous attempt to deregister the phone number did not complete.",
        retry=Retry.FIX,
        fix="Deregister the number again successfully before registering it.",
        http_status=f"500 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133004,
        title="Server temporarily unavailable",
        meaning="The server is temporarily unavailable.",
        retry=Retry.RETRY,
        fix="Retry with backoff; check the WhatsApp Business Platform status page and "
        "error_data.details.",
        http_status=f"503 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133005,
        title="Two-step verification PIN mismatch",
        meaning="The two-step verification PIN in the request is wrong.",
        retry=Retry.FIX,
        fix="Send the correct PIN, or reset two-step verification for the number.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133006,
        title="Phone number needs re-verification",
        meaning="The phone number must be verified again before it can be registered.",
        retry=Retry.FIX,
        fix="Verify the phone number (request and enter a new code), then register it.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133007,
        title="Undocumented code",
        meaning="Meta does not document 133007: it is absent from the current error-codes page "
        "and from every older copy walint's sources consulted.",
        retry=Retry.FIX,
        fix="Read error_data.details in the response for the cause. Do not retry "
        "automatically until you know what it means.",
        http_status=None,
        surfaces=None,
        sources=(M_ERR,),
        notes=(
            "Listed so that `walint explain 133007` answers instead of claiming the code does "
            "not exist. 'Fix first' is walint's conservative default for a code it cannot "
            "classify, not Meta's statement.",
        ),
    ),
    ApiError(
        code=133008,
        title="Too many two-step PIN guesses",
        meaning="Too many wrong two-step verification PINs were tried for this number.",
        retry=Retry.LATER,
        fix="Wait for the period given in error_data.details before trying the PIN again.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133009,
        title="Two-step PIN entered too quickly",
        meaning="Two-step verification PIN attempts came faster than allowed.",
        retry=Retry.LATER,
        fix="Wait (see error_data.details) before trying again.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133010,
        title="Phone number not registered",
        meaning="The business phone number is not registered on the WhatsApp Business Platform.",
        retry=Retry.FIX,
        fix="Register the phone number (POST /<PHONE_NUMBER_ID>/register) before sending.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=133015,
        title="Number deletion still in progress",
        meaning="The phone number was recently deleted and the deletion has not finished.",
        retry=Retry.RETRY,
        fix="Wait 5 minutes, then retry.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
        notes=("Temporary, but the first retry should come after 5 minutes, not seconds.",),
    ),
    ApiError(
        code=133016,
        title="Register/deregister rate limit exceeded",
        meaning="Too many register or deregister attempts were made for this number.",
        retry=Retry.LATER,
        fix="Stop the attempts and wait until the number is unblocked (see error_data.details) "
        "before trying again.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    # -- 134xxx and others ------------------------------------------------------------------------
    ApiError(
        code=134011,
        title="WhatsApp Payments terms not accepted",
        meaning="The WhatsApp Payments Terms of Service have not been accepted yet.",
        retry=Retry.FIX,
        fix="Accept the WhatsApp Payments Terms of Service for the account, then resend.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=134100,
        title="Only marketing templates allowed (Marketing Messages API)",
        meaning="Marketing Messages API only: this request is not a marketing template, and "
        "only marketing messages are allowed there.",
        retry=Retry.FIX,
        fix="Send only MARKETING templates through the Marketing Messages API.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=134101,
        title="Template still syncing (Marketing Messages API)",
        meaning="Marketing Messages API only: the template has not finished syncing to it yet.",
        retry=Retry.RETRY,
        fix="Wait about 10 minutes, then retry.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
        notes=("Temporary, but the first retry should come after about 10 minutes.",),
    ),
    ApiError(
        code=134102,
        title="Template unavailable (Marketing Messages API)",
        meaning="Marketing Messages API only: the template is not available for sending.",
        retry=Retry.FIX,
        fix="Check the template's status and eligibility for the Marketing Messages API, or "
        "send a different approved marketing template.",
        http_status=f"500 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=135000,
        title="Generic user error",
        meaning="The request failed because of an unknown problem with its parameters.",
        retry=Retry.FIX,
        fix="Compare the request with the endpoint reference and check error_data.details.",
        http_status=f"400 ({_OLD})",
        surfaces="sync",
        sources=(M_ERR,),
    ),
    ApiError(
        code=2494100,
        title="Phone number in maintenance mode",
        meaning="The business phone number is temporarily in maintenance mode.",
        retry=Retry.RETRY,
        fix="Retry in a few minutes, with backoff.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR,),
    ),
    # -- 2388xxx: template management (creation time) ------------------------------------------
    ApiError(
        code=2388019,
        title="Template count limit reached",
        meaning="The WABA already has the maximum number of message templates it may have.",
        retry=Retry.FIX,
        fix="Delete unused templates before creating new ones; business verification raises "
        "the template quota (250 → 6,000).",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_TPL),
        notes=(
            _CREATION_TIME,
            "walint's source lists this row as '2388019 etc. — template count limit, …'; "
            "2388019 is read as the template-count code.",
        ),
    ),
    ApiError(
        code=2388040,
        title="Template field over its character limit",
        meaning="A field of the template being created exceeds its character limit.",
        retry=Retry.FIX,
        fix="Shorten the field to the limit Meta sets for its component (e.g. header text 60, "
        "body 1,024 characters).",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_COMP),
        notes=(_CREATION_TIME,),
    ),
    ApiError(
        code=2388047,
        title="Template header format incorrect",
        meaning="The header component of the template being created is not in a valid format.",
        retry=Retry.FIX,
        fix="Correct the HEADER component (format and text/example) to match the template "
        "component rules.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_COMP),
        notes=(_CREATION_TIME,),
    ),
    ApiError(
        code=2388072,
        title="Template body format incorrect",
        meaning="The body component of the template being created is not in a valid format.",
        retry=Retry.FIX,
        fix="Correct the BODY component (text, variables and their examples) to match the "
        "template component rules.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_COMP),
        notes=(_CREATION_TIME,),
    ),
    ApiError(
        code=2388073,
        title="Template footer format incorrect",
        meaning="The footer component of the template being created is not in a valid format.",
        retry=Retry.FIX,
        fix="Correct the FOOTER component (plain text, no variables) to match the template "
        "component rules.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_COMP),
        notes=(_CREATION_TIME,),
    ),
    ApiError(
        code=2388293,
        title="Too many variables for the template's length",
        meaning="The template being created has too many variables relative to its fixed text "
        "(variable-to-text ratio).",
        retry=Retry.FIX,
        fix="Add more fixed text around the variables or use fewer variables.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_COMP),
        notes=(_CREATION_TIME,),
    ),
    ApiError(
        code=2388299,
        title="Variable at the start or end of the template",
        meaning="The template being created starts or ends with a variable (leading or "
        "trailing variable).",
        retry=Retry.FIX,
        fix="Begin and end the text with fixed words; move the variable inside the sentence.",
        http_status=None,
        surfaces="sync",
        sources=(M_ERR, M_COMP),
        notes=(_CREATION_TIME,),
    ),
    # -- codes Meta does not document (SDK only) -------------------------------------------------
    ApiError(
        code=131020,
        title="Cannot message a single-member group",
        meaning="Groups API: the group addressed in `to` has only one member, so it cannot be "
        "messaged.",
        retry=Retry.FIX,
        fix="Add participants to the group before messaging it, or message the user directly.",
        http_status=None,
        surfaces=None,
        sources=(PYWA,),
        notes=(_SDK_ONLY,),
    ),
    ApiError(
        code=131041,
        title="Group unknown",
        meaning="Groups API: the group id in `to` is not a group known to the business number.",
        retry=Retry.FIX,
        fix="Check the group id in `to` (with recipient_type 'group'): it must be a group id "
        "the Groups API gave this business number.",
        http_status=None,
        surfaces=None,
        sources=(PYWA,),
        notes=(_SDK_ONLY,),
    ),
    ApiError(
        code=131062,
        title="Business-scoped user ID not supported for this message",
        meaning="The message addresses the user by business-scoped user ID (BSUID, e.g. "
        "'US.13491208655302741918' in `recipient`), which this message does not support.",
        retry=Retry.FIX,
        fix="Address this message by phone number in `to` instead of by BSUID.",
        http_status=None,
        surfaces=None,
        sources=(PYWA,),
        notes=(_SDK_ONLY,),
    ),
    ApiError(
        code=137000,
        title="Recipient identity key hash mismatch",
        meaning="The message carries recipient_identity_key_hash, and it does not match the "
        "recipient's current identity.",
        retry=Retry.FIX,
        fix="Send the recipient's current identity key hash, or leave out "
        "recipient_identity_key_hash if you do not need the check (walint's reading; no "
        "documented fix).",
        http_status=None,
        surfaces=None,
        sources=(PYWA,),
        notes=(_SDK_ONLY,),
    ),
)


def _index(errors: Iterable[ApiError]) -> tuple[Mapping[int, ApiError], tuple[ApiError, ...]]:
    """Single codes go in a dict (the common lookup); ranges are few and scanned in order.

    A duplicate code is a bug in the literals above and fails the import loudly rather than
    letting one entry silently shadow another.
    """
    by_code: dict[int, ApiError] = {}
    ranges: list[ApiError] = []
    for err in errors:
        if err.code in by_code:
            raise ValueError(f"api error {err.code} is catalogued twice")
        by_code[err.code] = err
        if err.last_code is not None:
            ranges.append(err)
    return MappingProxyType(by_code), tuple(ranges)


_BY_CODE, _RANGES = _index(_ERRORS)
_SORTED = tuple(sorted(_ERRORS, key=lambda err: err.code))


def lookup(code: int) -> ApiError | None:
    """The entry explaining ``code``, or None when walint does not know it.

    Range entries answer for every code they cover (``lookup(250)`` is the 200–299 permission
    entry). Anything that is not an ``int`` (a ``bool`` included) is unknown, not an error, so
    a caller can pass what it parsed without guarding.
    """
    if isinstance(code, bool) or not isinstance(code, int):
        return None
    found = _BY_CODE.get(code)
    if found is not None:
        return found
    for err in _RANGES:
        if err.covers(code):
            return err
    return None


def all_errors() -> tuple[ApiError, ...]:
    """Every catalogued entry, sorted by code (a range sorts by its first code)."""
    return _SORTED


_RETRY_TEXT = {
    Retry.RETRY: "yes — temporary; retry automatically with exponential backoff.",
    Retry.LATER: "later — not in a quick retry loop; only after hours or once the cause "
    "outside the payload is fixed.",
    Retry.FIX: "no — fix first; an identical request fails again.",
}
_SURFACES_TEXT = {
    "sync": "in the HTTP response",
    "webhook": "in a failed-status webhook, after a 200 response",
    "either": "in the HTTP response or a failed-status webhook",
}
_WIDTH = 88


def _paragraph(label: str, text: str) -> str:
    """Wrap ``label + text``; continuation lines are indented only under a label."""
    return textwrap.fill(
        f"{label}{text}",
        width=_WIDTH,
        subsequent_indent="  " if label else "",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _bullets(heading: str, items: Iterable[str]) -> list[str]:
    lines = [heading]
    for item in items:
        lines.append(
            textwrap.fill(
                item,
                width=_WIDTH,
                initial_indent="  - ",
                subsequent_indent="    ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines if len(lines) > 1 else []


def format_explanation(err: ApiError, preventing_rules: Iterable[tuple[str, str]] = ()) -> str:
    """Plain text for the terminal: what ``err`` means, whether to retry, how to fix it.

    ``preventing_rules`` are ``(rule code, rule name)`` pairs — the walint rules whose
    ``api_error`` is this code — supplied by the caller, because the catalogue knows no rule
    (the engine knows no rule by name either; the CLI joins the two). The text has no
    colours or trailing newline, so it reads the same in a pipe, a test or a terminal.
    """
    lines = [f"{err.label}  {err.title}", ""]
    lines.append(_paragraph("", err.meaning))
    lines.append("")
    lines.append(_paragraph("Retry: ", _RETRY_TEXT[err.retry]))
    lines.append(_paragraph("How to fix: ", err.fix))
    # Not wrapped: a rule's code and name must stay on one line to be found with grep.
    rules = [f"{code} {name}" for code, name in preventing_rules]
    if rules:
        lines.append("Prevented by: " + ", ".join(rules))
    if err.aliases:
        also = ", ".join(str(code) for code in err.aliases)
        lines.append(_paragraph("Also seen as: ", also))
    if err.surfaces is not None:
        where = _SURFACES_TEXT.get(err.surfaces, err.surfaces)
        lines.append(_paragraph("Usually arrives: ", where))
    if err.http_status is not None:
        lines.append(_paragraph("HTTP status (informational only): ", err.http_status))
    for heading, items in (
        ("Details seen in responses:", err.details_seen),
        ("Notes:", err.notes),
        ("Sources:", err.sources),
    ):
        block = _bullets(heading, items)
        if block:
            lines.append("")
            lines.extend(block)
    return "\n".join(lines)
