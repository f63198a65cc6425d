"""walint's built-in rules, listed explicitly.

Codes are ``WA`` and three digits; the hundreds digit is the family:

* WA0xx input — entries that are not a payload at all
* WA1xx envelope — product, recipient, type and content object
* WA2xx templates — against the registry of approved templates
* WA3xx recipients — phone numbers as the API reads them

Third-party packs add rules through the ``walint.rules`` entry-point group.
"""

from __future__ import annotations

from .envelope import ContentMissing, MessagingProduct, RecipientMissing, RecipientType, UnknownType
from .input import AmbiguousJson, MalformedJson, PayloadNotObject
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

BUILTIN_RULES = (
    MalformedJson,
    PayloadNotObject,
    AmbiguousJson,
    MessagingProduct,
    RecipientMissing,
    ContentMissing,
    RecipientType,
    UnknownType,
    TemplateMalformed,
    TemplateUnknown,
    TemplateNotApproved,
    TemplateParamCount,
    TemplateParamNames,
    TemplateParamType,
    TemplateButtonMissing,
    TemplateButtonMismatch,
    RecipientInvalid,
    RecipientNotE164,
    RecipientMissingPlus,
)

__all__ = ["BUILTIN_RULES"]
