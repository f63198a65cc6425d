"""walint's built-in rules, listed explicitly.

Codes are ``WA`` and three digits; the hundreds digit is the family:

* WA0xx input — entries that are not a payload at all
* WA1xx envelope — product, recipient, type and content object; keys the API does not know
* WA2xx templates — against the registry of approved templates, and what their parameters
  carry (text, lengths, fields, buttons, names, carousel cards, who can receive them)
* WA3xx recipients — phone numbers as the API reads them
* WA4xx message content — text and media (WA40x), location, contacts and reactions
  (WA41x), interactive messages: common parts (WA42x), reply buttons (WA43x), lists
  (WA44x), CTA URL and Flow (WA45x), products and catalogs (WA46x)
* WA5xx media — what each media link really serves, fetched once per URL (WA501–WA505,
  WA507; network rules, skipped with ``--offline``), what a link says about itself (WA506,
  WA508), and local media files before upload (WA510–WA512, ``walint media``)
* WA6xx campaign — across the whole batch (duplicates, pair rate, messaging limit) and
  against the sender's own data (opt-outs, service windows, test and sender numbers)

Third-party packs add rules through the ``walint.rules`` entry-point group.
"""

from __future__ import annotations

from .audience_rules import (
    OutsideServiceWindow,
    RecipientIsSender,
    RecipientNotAllowed,
    RecipientSuppressed,
)
from .campaign import (
    DuplicateMessage,
    DuplicateRecipient,
    MessagingLimitExceeded,
    MessagingLimitNear,
    PairRateLimit,
)
from .envelope import ContentMissing, MessagingProduct, RecipientMissing, RecipientType, UnknownType
from .input import AmbiguousJson, MalformedJson, PayloadNotObject
from .interactive import (
    InteractiveAction,
    InteractiveHeader,
    InteractiveText,
    InteractiveTextLength,
    InteractiveType,
)
from .interactive_actions import (
    CatalogReference,
    CtaUrl,
    FlowAction,
    FlowCta,
    FlowCtaLong,
    FlowTarget,
    FlowVersion,
    ProductListSection,
    ProductListSize,
)
from .interactive_choices import (
    ListButton,
    ListRow,
    ListRowCount,
    ListSections,
    ReplyButtonCount,
    ReplyButtonId,
    ReplyButtonTitle,
)
from .links import (
    LinkBlocked,
    LinkCredentials,
    LinkExpiring,
    LinkMediaSize,
    LinkMediaType,
    LinkRedirect,
    LinkUnreachable,
    LinkUnverified,
)
from .media_files import MediaFileExtension, MediaFileSize, MediaFileType
from .other_types import (
    ContactsCount,
    ContactsName,
    LocationCoordinates,
    ReactionEmoji,
    ReactionMessageId,
    ReactionWamid,
)
from .recipient import RecipientInvalid, RecipientMissingPlus, RecipientNotE164
from .template import (
    TemplateButtonMismatch,
    TemplateButtonMissing,
    TemplateMalformed,
    TemplateNotApproved,
    TemplateParamCount,
    TemplateParamNames,
    TemplateParamType,
    TemplateUnknown,
)
from .template_buttons import TemplateButtonParams, TemplateUrlSuffix
from .template_carousel import TemplateCarouselCards
from .template_delivery import TemplateMarketingToUs
from .template_fields import TemplateDocumentNotPdf, TemplateParamFields
from .template_names import TemplateLanguageFormat, TemplateNameFormat
from .template_values import (
    TemplateParamEmpty,
    TemplateParamLength,
    TemplateParamWhitespace,
    TemplateTextTooLong,
)
from .text_media import (
    BooleanField,
    CaptionLength,
    MediaFieldMisplaced,
    MediaLink,
    MediaSource,
    TextBody,
)
from .unknown_key import UnknownKey

BUILTIN_RULES = (
    MalformedJson,
    PayloadNotObject,
    AmbiguousJson,
    MessagingProduct,
    RecipientMissing,
    ContentMissing,
    RecipientType,
    UnknownType,
    UnknownKey,
    TemplateMalformed,
    TemplateUnknown,
    TemplateNotApproved,
    TemplateParamCount,
    TemplateParamNames,
    TemplateParamType,
    TemplateButtonMissing,
    TemplateButtonMismatch,
    TemplateParamWhitespace,
    TemplateParamEmpty,
    TemplateParamLength,
    TemplateTextTooLong,
    TemplateParamFields,
    TemplateDocumentNotPdf,
    TemplateButtonParams,
    TemplateUrlSuffix,
    TemplateNameFormat,
    TemplateLanguageFormat,
    TemplateMarketingToUs,
    TemplateCarouselCards,
    RecipientInvalid,
    RecipientNotE164,
    RecipientMissingPlus,
    TextBody,
    BooleanField,
    MediaSource,
    MediaLink,
    MediaFieldMisplaced,
    CaptionLength,
    LocationCoordinates,
    ContactsName,
    ContactsCount,
    ReactionMessageId,
    ReactionEmoji,
    ReactionWamid,
    InteractiveType,
    InteractiveAction,
    InteractiveText,
    InteractiveTextLength,
    InteractiveHeader,
    ReplyButtonCount,
    ReplyButtonTitle,
    ReplyButtonId,
    ListButton,
    ListSections,
    ListRowCount,
    ListRow,
    CtaUrl,
    FlowVersion,
    FlowTarget,
    FlowCta,
    FlowCtaLong,
    FlowAction,
    CatalogReference,
    ProductListSize,
    ProductListSection,
    DuplicateRecipient,
    DuplicateMessage,
    PairRateLimit,
    MessagingLimitNear,
    MessagingLimitExceeded,
    RecipientSuppressed,
    OutsideServiceWindow,
    RecipientNotAllowed,
    RecipientIsSender,
    LinkUnreachable,
    LinkRedirect,
    LinkUnverified,
    LinkMediaType,
    LinkMediaSize,
    LinkExpiring,
    LinkBlocked,
    LinkCredentials,
    MediaFileType,
    MediaFileSize,
    MediaFileExtension,
)

__all__ = ["BUILTIN_RULES"]
