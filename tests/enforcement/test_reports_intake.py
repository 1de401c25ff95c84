"""The report intake: every bad input refused with its own sentence and nothing saved; the same report made again
within the window is the first; attachments checked by content and kept only when the report commits."""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from telreg.core import files
from telreg.core.db import unit_of_work
from telreg.core.i18n import format_message
from telreg.enforcement import reports, reports_input
from telreg.enforcement.errors import ReportInvalid
from telreg.enforcement.models import Report, ReportAttachment
from tests.enforcement.reports_helpers import MOBILE, fields, png_bytes, tiff_bytes, uploads_in, wav_bytes


def _submit(runtime, session, attachments=(), **overrides):
    pending = [reports_input.receive_attachment(runtime.settings, stream=io.BytesIO(content), filename=name)
               for name, content in attachments]
    return reports.submit(session, runtime=runtime, attachments=pending, **fields(**overrides))


BAD_INPUTS = [
    ({"receiving_number": "+44 20 7946 0000"}, "receiving_number", "not a Hong Kong number"),
    ({"receiving_number": "1083"}, "receiving_number", "service code"),
    ({"receiving_number": "12345678"}, "receiving_number", "service code"),
    ({"receiving_number": "2123 45"}, "receiving_number", "a Hong Kong number has 8"),
    ({"receiving_number": "800 123 456"}, "receiving_number", "toll-free"),
    ({"register": "email"}, "register", "Choose the register"),
    ({"arrived_at": "2026-03-02 10:10"}, "arrived_at", "in the future"),
    ({"arrived_at": "2007-12-21 23:59"}, "arrived_at", "before the do-not-call registers started"),
    ({"arrived_at": "yesterday"}, "arrived_at", "not a date and time"),
    ({"arrived_at": "2026-03-01"}, "arrived_at", "time the message arrived"),
    ({"sender_identification": "  "}, "sender_identification", "sender's number or name"),
    ({"sender_identification": "x" * 201}, "sender_identification", "at most 200"),
    ({"message_text": "y" * 5001}, "message_text", "at most 5000"),
    ({"message_text": ""}, "message_text", "attach a screenshot"),
    ({"contact": "not-an-address"}, "contact", "not an e-mail address"),
    ({"contact_kind": "sms", "contact": "21234567"}, "contact", "not a mobile number"),
]


def test_bad_input_is_refused_with_its_own_sentence_and_nothing_saved(runtime):
    for overrides, field, words in BAD_INPUTS:
        with pytest.raises(ReportInvalid) as refused:
            with unit_of_work(runtime.session_factory) as session:
                _submit(runtime, session, **overrides)
        assert refused.value.extra["field"] == field, overrides
        assert words in refused.value.message, (overrides, refused.value.message)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_the_skew_allowance_and_the_registers_first_day_are_accepted(runtime, session):
    now = runtime.clock.now()
    soon = _submit(runtime, session, arrived_at=(now + dt.timedelta(minutes=4)).isoformat())
    first = _submit(runtime, session, arrived_at="2007-12-22 00:00")
    assert soon.report.state == first.report.state == "awaiting-proof"
    utc = _submit(runtime, session, arrived_at="2026-03-01T06:30Z", message_text="another")
    assert utc.report.received_at == dt.datetime(2026, 3, 1, 6, 30, tzinfo=dt.UTC)


def test_a_refusal_reads_in_chinese(runtime, session):
    with pytest.raises(ReportInvalid) as refused:
        _submit(runtime, session, register="email")
    assert refused.value.message_in("zh-Hant") != refused.value.message


def test_attachments_by_content_size_and_shape(runtime, tmp_path):
    settings = runtime.settings
    for name, content, kind in (("shot.png", png_bytes(), "image/png"), ("fax.tif", tiff_bytes(), "image/tiff"),
                                ("voice.wav", wav_bytes(), "audio/wav")):
        pending = reports_input.receive_attachment(settings, stream=io.BytesIO(content), filename=name)
        assert pending.content_type == kind
        files.discard(pending)
    refusals = {
        "renamed.png": b"#!/bin/sh\necho this is a script not a picture\n",
        "cut.png": png_bytes()[:40],
        "cut.wav": wav_bytes()[:200],
        "huge.png": png_bytes() + b"\0" * settings.report_attachment_max_bytes,
    }
    for name, content in refusals.items():
        with pytest.raises(ReportInvalid) as refused:
            reports_input.receive_attachment(settings, stream=io.BytesIO(content), filename=name)
        assert name in refused.value.message and refused.value.extra["field"] == "attachments"
    assert uploads_in(Path(settings.data_dir)) == []  # every refused file removed, none pending
    with pytest.raises(ReportInvalid, match="at most 5 attachments"):
        reports_input.check_count(settings, 6)


def test_attachments_are_kept_only_when_the_report_commits(runtime):
    data_dir = Path(runtime.settings.data_dir)
    with pytest.raises(ReportInvalid):
        with unit_of_work(runtime.session_factory) as session:
            _submit(runtime, session, attachments=[("shot.png", png_bytes("blue"))], register="nope")
    assert uploads_in(data_dir) == []
    with unit_of_work(runtime.session_factory) as session:
        result = _submit(runtime, session, attachments=[("shot.png", png_bytes("blue"))], message_text="")
        reference = result.report.reference
    with unit_of_work(runtime.session_factory) as session:
        attachment = session.scalars(select(ReportAttachment)).one()
        assert attachment.kind == "screenshot" and attachment.size == len(png_bytes("blue"))
        report = session.scalars(select(Report)).one()
        assert report.reference == reference and report.contact_sealed != "reporter@example.org"
        assert runtime.vault.open("enf_reports.contact", report.contact_sealed) == "reporter@example.org"
    assert uploads_in(data_dir) == [attachment.sha256]


def test_the_same_report_within_the_window_is_the_first(runtime, session, clock, sms):
    first = _submit(runtime, session)
    again = _submit(runtime, session, sender_identification="3111-2222",
                    message_text="Big   sale!\nReply STOP to stop.")
    assert again.duplicate and again.report.reference == first.report.reference
    other = _submit(runtime, session, message_text="Another offer")
    assert not other.duplicate
    clock.advance(minutes=runtime.settings.report_duplicate_minutes + 1)
    later = _submit(runtime, session)
    assert not later.duplicate and later.report.reference != first.report.reference
    assert len(sms.to(MOBILE)) == 3  # a repeat sends no code


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_identical_concurrent_submissions_make_one_report(runtime):
    barrier = threading.Barrier(2)
    answers: list[reports.Submission] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with unit_of_work(runtime.session_factory) as session:
                barrier.wait()
                answers.append(_submit(runtime, session))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(a.duplicate for a in answers) == [False, True]
    assert len({a.report.reference for a in answers}) == 1
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_the_acknowledgement_sentence_has_chinese(runtime):
    assert format_message("zh-Hant", reports.ACK_SUBJECT, {"reference": "R-1"}) != \
        format_message("en", reports.ACK_SUBJECT, {"reference": "R-1"})


def test_recordings_and_fax_images_are_told_by_their_first_bytes():
    assert files.sniff_media(b"ID3\x04\x00" + b"\0" * 11) == "audio/mpeg"
    assert files.sniff_media(b"\xff\xfb\x90\x00" + b"\0" * 12) == "audio/mpeg"
    assert files.sniff_media(b"OggS\x00\x02" + b"\0" * 10) == "audio/ogg"
    assert files.sniff_media(b"\x00\x00\x00\x20ftypM4A \x00\x00") == "audio/mp4"
    assert files.sniff_media(b"MM\x00*" + b"\0" * 12) == "image/tiff"
    assert files.sniff_media(b"RIFF\x00\x00\x00\x00AVI LIST") is None  # a RIFF that is not a WAV
    assert files.sniff_type(b"OggS\x00\x02" + b"\0" * 10) is None  # other areas still take documents only
