"""WA2xx — template messages against the registry of approved templates.

Facts: Meta, "Template fundamentals" and "Template components"
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview,
https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components)
and the error-codes page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
The codes for specific mistakes follow the API responses collected in the facts file §9.
"""

from __future__ import annotations

from validator.rule import Problem, Rule

from ._template_payload import (
    button_index,
    components,
    first_component,
    label,
    param_type,
    parameters,
    template_key,
    template_object,
    template_plan,
)
from .template_names import malformed_key, name_case_fix

TEMPLATE = frozenset({"template"})

#: Header ``format`` → the parameter type that fills it.
HEADER_PARAM_TYPES = {
    "TEXT": "text", "IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document",
    "LOCATION": "location", "GIF": "gif", "PRODUCT": "product",
}
#: Body parameters of a send request (OpenAPI ``ParameterObject`` for text components).
BODY_PARAM_TYPES = frozenset({"text", "currency", "date_time"})
#: Registry button ``type`` → the ``sub_type`` values that address it. OTP buttons of
#: authentication templates are sent as ``url`` (pywa ``_BaseOTPButtonParams``).
BUTTON_SUB_TYPES = {
    "QUICK_REPLY": {"quick_reply"}, "URL": {"url"}, "COPY_CODE": {"copy_code"},
    "OTP": {"url", "copy_code"}, "FLOW": {"flow"}, "CATALOG": {"catalog"}, "MPM": {"mpm"},
    "SPM": {"spm"}, "VOICE_CALL": {"voice_call"}, "PHONE_NUMBER": {"phone_number"},
    "ORDER_DETAILS": {"order_details"},
}
KNOWN_SUB_TYPES = frozenset(s for subs in BUTTON_SUB_TYPES.values() for s in subs)


class TemplateMalformed(Rule):
    """The `template` object must have a `name`, a `language.code` and well-formed components.

    **What it does**
    Checks the skeleton of a template message: ``name`` is a string; ``language`` is an
    object with a string ``code`` (not the bare string ``"en_US"``); ``components``, when
    present, is a list of objects each with a ``type``; each ``parameters`` is a list of
    objects with a ``type``; a ``text`` parameter has a string ``text``.

    **Why is this bad?**
    The API refuses the request as an invalid parameter (100), e.g. ``The parameter
    template['language']['code'] is required.`` or ``Parameter 'text' is mandatory for
    component parameter type 'text'`` (responses quoted in the facts file §9).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": "en_US"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA200"
    name = "template-malformed"
    cacheable = True
    api_error = 100
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return  # WA103 reports a missing template object
        if not isinstance(template.get("name"), str) or not template.get("name"):
            yield Problem("template.name", "template.name is required (a string)")
        language = template.get("language")
        if isinstance(language, str):
            yield Problem("template.language",
                          f'template.language must be an object: {{"code": "{language}"}}')
        elif not isinstance(language, dict):
            yield Problem("template.language", 'template.language is required ({"code": "en_US"})')
        elif not isinstance(language.get("code"), str) or not language.get("code"):
            yield Problem("template.language.code", "template.language.code is required (a string)")
        items = template.get("components")
        if items is None:
            return
        if not isinstance(items, list):
            yield Problem("template.components", f"components must be a list, got {type(items).__name__}")
            return
        for position, component in enumerate(items):
            path = f"template.components[{position}]"
            if not isinstance(component, dict):
                yield Problem(path, f"component must be an object, got {type(component).__name__}")
                continue
            if not isinstance(component.get("type"), str):
                yield Problem(f"{path}.type", "component type is required (header, body, button, ...)")
            params = component.get("parameters")
            if params is None:
                continue
            if not isinstance(params, list):
                yield Problem(f"{path}.parameters", f"parameters must be a list, got {type(params).__name__}")
                continue
            for number, param in enumerate(params):
                ppath = f"{path}.parameters[{number}]"
                if not isinstance(param, dict):
                    yield Problem(ppath, f"parameter must be an object, got {type(param).__name__}")
                elif not isinstance(param.get("type"), str):
                    yield Problem(f"{ppath}.type", "parameter type is required (text, currency, image, ...)")
                elif (param["type"].lower() == "text" and str(component.get("type", "")).lower() != "button"
                      and not isinstance(param.get("text"), str)):
                    got = "missing" if param.get("text") is None else type(param["text"]).__name__
                    yield Problem(f"{ppath}.text", f"a text parameter needs a string text ({got})")


class TemplateUnknown(Rule):
    """The template (name, language) must exist in the registry.

    **What it does**
    Looks the template up by name *and* language code in the registry (names are not
    unique across languages). Suggests close names (``order_updte`` → ``order_update``,
    wrong case) and the languages the name does exist in.

    **Why is this bad?**
    The API answers 132001: ``template name (hello_world_es) does not exist in en_US``.
    A typo, a template not yet approved in that language, or ``en`` where the template is
    ``en_US``. A name or code that is malformed (``Order-Update``, ``en-US``) cannot exist
    anywhere: WA216 and WA217 report it with the corrected form, and this rule stays quiet
    about it, so one mistake gives one finding.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Fix**
    Safe: a name that differs only in case from exactly one registry name (a hand-written
    registry may spell names its own way) becomes the registry's spelling. Typos and
    missing languages are not fixed — the right template is a person's choice.
    """

    code = "WA201"
    name = "template-unknown"
    cacheable = True
    skeleton_problems = True  # name, language and the registry's names only
    api_error = 132001
    fixable = "safe"
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        template = template_object(payload)
        key = template_key(template) if template else None
        if key is None:
            return
        name, language = key
        registry = ctx.registry
        if registry.get(name, language) is not None or malformed_key(name, language):
            return  # a malformed name or code is WA216's / WA217's, with the corrected form
        languages = registry.languages(name)
        if languages:
            yield Problem("template.language.code",
                          f"template {name} does not exist in {language}; it exists in "
                          f"{', '.join(sorted(languages))}")
            return
        message = f"template {name} does not exist in {language}"
        fix = name_case_fix(name, registry)
        similar = [fix.edits[0].value] if fix is not None else registry.similar_names(name)
        if similar:
            message += f"; did you mean {' or '.join(similar)}?"
        yield Problem("template.name", message, fix=fix)


class TemplateNotApproved(Rule):
    """Only APPROVED templates can be sent.

    **What it does**
    Reads the template's ``status`` in the registry.

    **Why is this bad?**
    Meta: only approved templates can be sent. A PAUSED template (low quality) answers
    132015, a DISABLED one 132016; PENDING, REJECTED and the other states answer 132001
    (template does not exist / not approved). Pull the registry again before a campaign:
    statuses change without notice.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "spring_sale", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "20%"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA202"
    name = "template-not-approved"
    cacheable = True
    api_error = 132001
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        status = found[1].status
        if status == "APPROVED":
            return
        api_error = {"PAUSED": 132015, "DISABLED": 132016}.get(status, 132001)
        yield Problem("template.name", f"template {label(found[1])} is {status}, not APPROVED", api_error)


class TemplateParamCount(Rule):
    """Each component must carry as many parameters as its template text has variables.

    **What it does**
    Counts the parameters sent for the header and the body and compares them with the
    placeholders of the approved template (``{{1}}``/``{{name}}`` in the header and body
    text). A header or body with variables that is not sent at all counts as zero
    parameters. Media headers are checked by WA205, buttons by WA206/WA207.

    **Why is this bad?**
    The API answers 132000: ``body: number of localizable_params (2) does not match the
    expected number of params (3)``. Usually a template was edited (a variable added) and
    the sender was not.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}, {"type": "text", "text": "May 3"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    ```
    """

    code = "WA203"
    name = "template-param-count"
    cacheable = True
    skeleton_problems = True  # counts and the template's label only
    api_error = 132000
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        template, plan = found
        media_header = plan.header_format not in (None, "TEXT")
        for kind, expected in (("header", len(plan.header_params)), ("body", len(plan.body_params))):
            sent = first_component(template, kind)
            got = len(parameters(sent[1])) if sent else 0
            path = f"template.components[{sent[0]}].parameters" if sent else "template.components"
            if kind == "header" and media_header:
                if got > 1:
                    yield Problem(path, f"header expects 1 parameter ({plan.header_format}), got {got} "
                                        f"({label(plan)})")
                continue
            if got != expected:
                noun = "parameter" if expected == 1 else "parameters"
                missing = "" if sent else f" (no {kind} component sent)"
                yield Problem(path, f"{kind} expects {expected} {noun}, got {got}{missing} ({label(plan)})")


class TemplateParamNames(Rule):
    """Named templates need `parameter_name` on every parameter; positional ones none.

    **What it does**
    For a template whose ``parameter_format`` is NAMED, checks that every header and body
    parameter carries a ``parameter_name`` that is one of the template's placeholders, at
    most once. For a POSITIONAL template, checks that no parameter carries one (values are
    matched by order there, so a name suggests the wrong template version).

    **Why is this bad?**
    Meta matches named values by name and positional values by order. A missing or
    misspelt name leaves a variable without a value, which the API refuses as a parameter
    mismatch (132000; Meta documents no more specific code — the safe reading).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "appointment_reminder", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "May 3"}, {"type": "text", "text": "10:30"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "appointment_reminder", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "parameter_name": "first_name", "text": "Ana"}, {"type": "text", "parameter_name": "date", "text": "May 3"}, {"type": "text", "parameter_name": "time", "text": "10:30"}]}]}}
    ```
    """

    code = "WA204"
    name = "template-param-names"
    cacheable = True
    api_error = 132000
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        template, plan = found
        expected_by_kind = {"header": plan.header_params, "body": plan.body_params}
        for position, kind, component in components(template):
            if kind not in expected_by_kind:
                continue
            expected = expected_by_kind[kind]
            seen: set[str] = set()
            for number, param in enumerate(parameters(component)):
                if not isinstance(param, dict):
                    continue
                path = f"template.components[{position}].parameters[{number}]"
                name = param.get("parameter_name")
                if not plan.named:
                    if name is not None:
                        yield Problem(f"{path}.parameter_name",
                                      f"template {label(plan)} is positional; remove parameter_name {name!r}")
                    continue
                if name is None:
                    yield Problem(path, f"{kind} parameter {number + 1} has no parameter_name; "
                                        f"{label(plan)} uses named parameters ({', '.join(expected)})")
                elif name not in expected:
                    where = f"its {kind} has {', '.join(expected)}" if expected else f"its {kind} has none"
                    yield Problem(f"{path}.parameter_name",
                                  f"parameter_name {name!r} is not a variable of {label(plan)}; {where}")
                elif name in seen:
                    yield Problem(f"{path}.parameter_name", f"parameter_name {name!r} is given twice")
                else:
                    seen.add(name)


class TemplateParamType(Rule):
    """Parameter types must match the template: the header's format, and text-like body values.

    **What it does**
    A media header (IMAGE, VIDEO, DOCUMENT, LOCATION …) needs a header component whose
    parameter has that type; a TEXT header takes ``text``; body parameters are ``text``,
    ``currency`` or ``date_time``.

    **Why is this bad?**
    The API answers 132012 (parameter format mismatch), e.g. ``header: Format mismatch,
    expected IMAGE, received UNKNOWN`` when the image of a media header is not sent — the
    most common template failure after a header was added to a template.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "INV-7"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "INV-7"}]}]}}
    ```
    """

    code = "WA205"
    name = "template-param-type"
    cacheable = True
    api_error = 132012
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        template, plan = found
        header = first_component(template, "header")
        expected = HEADER_PARAM_TYPES.get(plan.header_format or "")
        if plan.header_format not in (None, "TEXT") and expected:
            params = parameters(header[1]) if header else []
            got = param_type(params[0]) if params else None
            if got != expected:
                path = f"template.components[{header[0]}].parameters" if header else "template.components"
                received = got.upper() if got else "UNKNOWN"
                yield Problem(path, f"header: format mismatch, expected {plan.header_format}, received "
                                    f"{received} ({label(plan)})")
        elif plan.header_format == "TEXT" and header:
            for number, param in enumerate(parameters(header[1])):
                got = param_type(param)
                if got is not None and got != "text":
                    yield Problem(f"template.components[{header[0]}].parameters[{number}].type",
                                  f"TEXT header parameter must be text, got {got}")
        body = first_component(template, "body")
        if body:
            for number, param in enumerate(parameters(body[1])):
                got = param_type(param)
                if got is not None and got not in BODY_PARAM_TYPES:
                    yield Problem(f"template.components[{body[0]}].parameters[{number}].type",
                                  f"body parameter must be text, currency or date_time, got {got}")


class TemplateButtonMissing(Rule):
    """Buttons that need a send-time value must get their button component.

    **What it does**
    For each button of the approved template that cannot be sent without a value — a URL
    button whose URL ends in a variable, an authentication OTP button, a FLOW button —
    checks that a ``button`` component with that ``index`` is sent.

    **Why is this bad?**
    The API refuses the message: ``buttons: Button at index 0 of type Url requires a
    parameter`` (131008, required parameter missing); a template with a FLOW button sent
    without its component is refused with 131009 (facts file §9).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "verification_code", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "482913"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "verification_code", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "482913"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]}]}}
    ```
    """

    code = "WA206"
    name = "template-button-missing"
    cacheable = True
    api_error = 131008
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None or not found[1].buttons:
            return
        template, plan = found
        sent = {button_index(c) for _, kind, c in components(template) if kind == "button"}
        for button in plan.buttons:
            if button.index in sent:
                continue
            if button.dynamic or button.type == "OTP":
                what = "URL with a variable" if button.dynamic else "one-time password"
                yield Problem("template.components",
                              f"button {button.index} ({button.type}, {what}) requires a button "
                              f"component with index {button.index} ({label(plan)})")
            elif button.type == "FLOW":
                yield Problem("template.components",
                              f"button {button.index} (FLOW) requires a button component with "
                              f"sub_type flow and index {button.index} ({label(plan)})", 131009)


class TemplateButtonMismatch(Rule):
    """Button components must address a real button of the template, by index and sub_type.

    **What it does**
    Checks each ``button`` component: ``index`` is a number (``0`` or ``"0"``) of a button
    that exists in the template; ``sub_type`` fits the button at that index (``url`` for a
    URL or OTP button, ``quick_reply`` for a quick reply, ``flow``, ``catalog``,
    ``copy_code`` …); an index is used once; a URL button takes exactly one parameter and
    only when its URL has a variable.

    **Why is this bad?**
    An index past the template's buttons is an invalid parameter value (131009); a sub_type
    that does not fit the button is a parameter format mismatch (132012); a suffix for a
    static URL, or two values for one variable, is a parameter count mismatch (132000).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}, {"type": "text", "text": "May 3"}]}, {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "TRACK"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}, {"type": "text", "text": "May 3"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    ```
    """

    code = "WA207"
    name = "template-button-mismatch"
    cacheable = True
    api_error = 132012
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        template, plan = found
        used: set[int] = set()
        for position, kind, component in components(template):
            if kind != "button":
                continue
            path = f"template.components[{position}]"
            index = button_index(component)
            if index is None:
                yield Problem(f"{path}.index", f"button index {component.get('index')!r} is not a "
                                               "number from 0 to 9", 131009)
                continue
            if index >= len(plan.buttons):
                count = len(plan.buttons)
                yield Problem(f"{path}.index", f"button index {index} is out of range: {label(plan)} "
                                               f"has {count} button{'s' if count != 1 else ''}", 131009)
                continue
            if index in used:
                yield Problem(f"{path}.index", f"button index {index} is given twice", 100)
                continue
            used.add(index)
            button = plan.buttons[index]
            sub_type = component.get("sub_type")
            allowed = BUTTON_SUB_TYPES.get(button.type)
            if isinstance(sub_type, str) and allowed and sub_type.lower() in KNOWN_SUB_TYPES \
                    and sub_type.lower() not in allowed:
                yield Problem(f"{path}.sub_type",
                              f"button {index} of {label(plan)} is {button.type}; sub_type "
                              f"{sub_type!r} does not fit (use {' or '.join(sorted(allowed))})")
                continue
            if button.type == "URL":
                got = len(parameters(component))
                expected = 1 if button.dynamic else 0
                if got != expected:
                    kind_of = "has a variable" if button.dynamic else "is static"
                    yield Problem(f"{path}.parameters",
                                  f"URL button {index} {kind_of}: expects {expected} parameter"
                                  f"{'s' if expected != 1 else ''}, got {got}", 132000)
