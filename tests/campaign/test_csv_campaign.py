"""CSV campaigns: the column convention expands into exact Cloud API payloads."""

from __future__ import annotations

import pytest

from validator import Validator, load_registry
from validator.errors import InputError
from validator.loader import read_campaign

from ..conftest import ROOT

REGISTRY = load_registry(ROOT / "templates_registry.yaml")


def _messages(tmp_path, text: str, registry=REGISTRY, name: str = "campaign.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return list(read_campaign(str(path), registry=registry))


def test_the_readme_example_expands_to_exact_payloads(tmp_path):
    text = (
        "to,template,language,header,body.1,body.2,body.3,button.0,_customer_id\n"
        "+4915123456789,order_update,en_US,https://shop.example.com/img/a.jpg,Ana,A-1042,May 3,A-1042,c-17\n"
        "+447911123456,appointment_reminder,en_US,,,,,,c-18\n"
    )
    first, second = _messages(tmp_path, text)
    assert first.payload == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+4915123456789",
        "type": "template",
        "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [
                {"type": "image", "image": {"link": "https://shop.example.com/img/a.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"},
                                            {"type": "text", "text": "A-1042"},
                                            {"type": "text", "text": "May 3"}]},
            {"type": "button", "sub_type": "url", "index": "0",
             "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    assert second.payload["template"] == {"name": "appointment_reminder",
                                          "language": {"code": "en_US"}}
    assert (first.line, second.line) == (2, 3)


def test_named_parameters_and_registry_button_types(tmp_path):
    text = ("to,template,language,body.first_name,body.date,body.time,button.0,button.1\n"
            "+4915123456789,appointment_reminder,en_US,Ana,May 3,10:00,,\n"
            "+4915123456789,event_invite,en_US,,,,,rsvp-token-1\n")
    first, second = _messages(tmp_path, text)
    assert first.payload["template"]["components"] == [{"type": "body", "parameters": [
        {"type": "text", "parameter_name": "first_name", "text": "Ana"},
        {"type": "text", "parameter_name": "date", "text": "May 3"},
        {"type": "text", "parameter_name": "time", "text": "10:00"}]}]
    assert second.payload["template"]["components"] == [
        {"type": "button", "sub_type": "flow", "index": "1",
         "parameters": [{"type": "action", "action": {"flow_token": "rsvp-token-1"}}]}]


def test_quick_reply_and_otp_buttons(tmp_path):
    text = ("to,template,language,body.1,button.0,button.1\n"
            "+4915123456789,order_update,en_US,,,STOP\n"
            "+4915123456789,verification_code,en_US,482913,482913,\n")
    first, second = _messages(tmp_path, text)
    assert first.payload["template"]["components"] == [
        {"type": "button", "sub_type": "quick_reply", "index": "1",
         "parameters": [{"type": "payload", "payload": "STOP"}]}]
    assert second.payload["template"]["components"][1] == {
        "type": "button", "sub_type": "url", "index": "0",
        "parameters": [{"type": "text", "text": "482913"}]}


def test_header_type_column_and_no_registry(tmp_path):
    text = ("to,template,language,header,header_type,header_filename\n"
            "+4915123456789,shipping_document,en_US,https://x.example.com/i.pdf,document,i.pdf\n"
            "+4915123456789,order_update,en_US,1234567890,,\n"
            "+4915123456789,hello_world,en_US,Hi there,,\n")
    doc, media_id, text_header = _messages(tmp_path, text, registry=None)
    assert doc.payload["template"]["components"][0]["parameters"] == [
        {"type": "document", "document": {"link": "https://x.example.com/i.pdf", "filename": "i.pdf"}}]
    # Without a registry and without header_type, a header is text.
    assert media_id.payload["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "1234567890"}]
    assert text_header.payload["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Hi there"}]
    with_registry = _messages(tmp_path, text)[1]
    assert with_registry.payload["template"]["components"][0]["parameters"] == [
        {"type": "image", "image": {"id": "1234567890"}}]


def test_text_rows_and_positional_gaps(tmp_path):
    text = ("to,template,language,body.1,body.2,body.3,text\n"
            "+4915123456789,,,,,,Hello!\n"
            "+4915123456789,order_update,en_US,Ana,,May 3,\n")
    hello, gap = _messages(tmp_path, text)
    assert hello.payload == {"messaging_product": "whatsapp", "recipient_type": "individual",
                             "to": "+4915123456789", "type": "text", "text": {"body": "Hello!"}}
    assert [p["text"] for p in gap.payload["template"]["components"][0]["parameters"]] == [
        "Ana", "", "May 3"]


def test_multiline_cells_count_physical_lines(tmp_path):
    text = ('to,text\n'
            '+4915123456789,"line one\nline two\r\nline three"\n'
            '\n'
            '+4915123456780,after\n')
    first, second = _messages(tmp_path, text)
    assert (first.line, second.line) == (2, 6)
    assert first.payload["text"]["body"] == "line one\nline two\r\nline three"


@pytest.mark.parametrize(("row", "problem"), [
    ("+4915123456789,hello_world,en_US,Hi,extra", "has 5 cells; the header has 4"),
    ("+4915123456789,hello_world,en_US,Hi", None),
])
def test_extra_cells_make_a_malformed_row(tmp_path, row, problem):
    (message,) = _messages(tmp_path, f"to,template,language,text\n{row}\n")
    if problem is None:
        assert message.problem == "CSV row: fills both 'template' and 'text'; a row is one message"
    else:
        assert problem in message.problem
    assert message.raw == row.encode()


def test_values_without_a_template_are_malformed(tmp_path):
    (message,) = _messages(tmp_path, "to,body.1\n+4915123456789,Ana\n")
    assert message.problem == "CSV row: fills body.1 but names no template"


def test_invalid_utf8_row_is_malformed_and_kept_raw(tmp_path):
    messages = _messages(tmp_path, b"to,text\n+4915123456789,caf\xe9\n+4915123456780,ok\n")
    assert messages[0].problem == "CSV row: is not valid UTF-8"
    assert messages[0].raw == b"+4915123456789,caf\xe9"
    assert messages[1].payload["text"]["body"] == "ok"


def test_semicolons_bom_and_utf16(tmp_path):
    (one,) = _messages(tmp_path, "\ufeffto;text\n+4915123456789;Hallo\n")
    assert one.payload["text"]["body"] == "Hallo"
    (two,) = _messages(tmp_path, "to\ttext\n+4915123456789\tHallo\n".encode("utf-16"))
    assert (two.line, two.payload["to"]) == (2, "+4915123456789")


@pytest.mark.parametrize(("header", "needle"), [
    ("template,text", "no 'to' column"),
    ("to,boddy.1", "unknown column 'boddy.1' (did you mean 'body.1'?)"),
    ("to,text,TEXT", "column 'TEXT' appears twice"),
])
def test_a_bad_header_stops_the_run(tmp_path, header, needle):
    with pytest.raises(InputError) as info:
        _messages(tmp_path, f"{header}\n+4915123456789,x\n")
    assert info.value.line == 1 and needle in str(info.value)


def test_findings_point_at_csv_lines(tmp_path):
    path = tmp_path / "campaign.csv"
    path.write_text("to,template,language,body.1,body.2\n"
                    "+4915123456789,order_update,en_US,Ana,\"A-1\n042\"\n"
                    "+4915123456789,hello_world,en_US,,\n", encoding="utf-8")
    report = Validator(ROOT / "templates_registry.yaml", plugins=False).check_files([str(path)])
    lines = {(f.rule, f.line) for f in report.findings}
    assert ("WA203", 2) in lines          # order_update takes 3 body parameters, got 2
    assert ("WA601", 4) in lines          # the same recipient again, on the row at line 4
    assert all(f.file == str(path) for f in report.findings)
