"""Audience files: suppression lists and contacts, read in E.164, with clear errors."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from rules.audience import (
    NEVER,
    Contacts,
    in_service_window,
    read_contacts,
    read_suppression_list,
)
from validator.errors import InputError, WalintError


def _write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_plain_text_list_with_comments_and_formats(tmp_path):
    path = _write(tmp_path, "optouts.txt", "# opted out\n\n+49 151 23456789  # STOP, 2025-03\n"
                                            "4915123456780\n+44 (7911) 123-456\r\n")
    assert read_suppression_list(path) == {4915123456789, 4915123456780, 447911123456}


def test_csv_list_finds_the_phone_column_by_name(tmp_path):
    path = _write(tmp_path, "optouts.csv", 'name,Phone,when\n"Doe, Jo",+49 151 23456789,2025\n')
    assert read_suppression_list(path) == {4915123456789}


def test_csv_list_without_header_reads_the_first_column(tmp_path):
    path = _write(tmp_path, "optouts.csv", "+4915123456789,x\n+447911123456,y\n")
    assert read_suppression_list(path) == {4915123456789, 447911123456}


def test_tab_separated_utf16_export(tmp_path):
    text = "phone\tnote\n+4915123456789\tSTOP\n"
    path = _write(tmp_path, "optouts.txt", text.encode("utf-16"))
    assert read_suppression_list(path) == {4915123456789}


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("+4915123456789\nnot a number\n", 2,
     "'not a number' in the suppression list is not a valid phone number"),
    ("+4915123456789\n+44 07911 123456\n", 2, "did you mean +447911123456?"),
    ("id,name\n1,Ana\n", 1, "header has no 'phone' column"),
])
def test_a_bad_entry_names_file_and_line(tmp_path, text, line, needle):
    path = _write(tmp_path, "optouts.txt", text)
    with pytest.raises(InputError) as info:
        read_suppression_list(path)
    assert info.value.file == str(path) and info.value.line == line
    assert needle in str(info.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="suppression list not found"):
        read_suppression_list(tmp_path / "nope.txt")


def test_contacts_times_with_zones_and_never(tmp_path):
    path = _write(tmp_path, "contacts.csv",
                  "phone,last_inbound_at\n"
                  "+49 151 23456789,2025-05-01T10:00:00+02:00\n"
                  "+4915123456780,2025-05-01T08:00:00Z\n"
                  "+447911123456,\n")
    contacts = read_contacts(path)
    at = datetime(2025, 5, 2, 8, 0, tzinfo=timezone.utc)
    assert in_service_window(contacts, 4915123456789, at)       # exactly 24 h
    assert in_service_window(contacts, 4915123456780, at)       # exactly 24 h, written as Z
    assert not in_service_window(contacts, 447911123456, at)    # never wrote
    assert contacts.get(447911123456) == NEVER
    assert contacts.get(4915123456781) is None                  # not listed


def test_contacts_time_without_zone_is_an_error_naming_the_line(tmp_path):
    path = _write(tmp_path, "contacts.csv",
                  "phone,last_inbound_at\n+4915123456789,2025-05-01T10:00:00+02:00\n"
                  "+4915123456780,2025-05-01T10:00:00\n")
    with pytest.raises(InputError) as info:
        read_contacts(path)
    assert (info.value.file, info.value.line) == (str(path), 3)
    assert "has no time zone" in str(info.value)


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01T00:00:00Z"])
def test_contacts_unreadable_time(tmp_path, value):
    path = _write(tmp_path, "contacts.csv", f"phone,last_inbound_at\n+4915123456789,{value}\n")
    with pytest.raises(InputError, match="is not an ISO 8601 time"):
        read_contacts(path)


def test_contacts_header_needs_both_columns(tmp_path):
    path = _write(tmp_path, "contacts.csv", "phone,seen\n+4915123456789,2025-05-01T10:00:00Z\n")
    with pytest.raises(InputError, match="no 'last_inbound_at' column"):
        read_contacts(path)


def test_a_quoted_multiline_cell_keeps_line_numbers(tmp_path):
    path = _write(tmp_path, "contacts.csv",
                  'phone,last_inbound_at,note\n+4915123456789,2025-05-01T10:00:00Z,"two\nlines"\n'
                  "+4915123456780,2025-05-01T10:00:00,x\n")
    with pytest.raises(InputError) as info:
        read_contacts(path)
    assert info.value.line == 4


def test_files_are_read_again_when_they_change(tmp_path):
    path = _write(tmp_path, "optouts.txt", "+4915123456789\n")
    assert read_suppression_list(path) == {4915123456789}
    path.write_text("+4915123456780\n+447911123456\n", encoding="utf-8")
    assert read_suppression_list(path) == {4915123456780, 447911123456}


def test_a_broken_audience_file_stops_the_library_run(tmp_path):
    from validator import Validator
    from validator.settings import Settings

    path = _write(tmp_path, "optouts.txt", "oops\n")
    validator = Validator(settings=Settings.build(offline=True, suppression_list=str(path)))
    with pytest.raises(WalintError, match="oops"):
        validator.validate([{"messaging_product": "whatsapp", "to": "+4915123456789",
                             "text": {"body": "hi"}}])


def test_settings_may_be_a_plain_mapping():
    from rules.audience import setting
    from validator.rule import Context

    ctx = Context(settings={"messaging-limit": 250})
    assert setting(ctx, "messaging_limit") == 250
    assert setting(Context(), "messaging_limit", 7) == 7


def test_contacts_object_is_compact():
    contacts = Contacts({4915123456789: 0}, "c.csv")
    assert len(contacts) == 1


def test_send_at_defaults_to_now(tmp_path):
    from datetime import timedelta

    from validator import Validator
    from validator.settings import Settings

    now = datetime.now(timezone.utc)
    path = _write(tmp_path, "contacts.csv",
                  f"phone,last_inbound_at\n+4915123456789,{(now - timedelta(hours=1)).isoformat()}\n"
                  f"+4915123456780,{(now - timedelta(hours=25)).isoformat()}\n")
    validator = Validator(settings=Settings.build(offline=True, contacts=str(path), select=["WA607"]))
    report = validator.validate([
        {"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "hi"}},
        {"messaging_product": "whatsapp", "to": "+4915123456780", "text": {"body": "hi"}}])
    assert [f.index for f in report.findings] == [1]
