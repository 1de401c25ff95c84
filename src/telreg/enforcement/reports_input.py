"""What a report must be before anything is saved: the checks of every field and attachment, each refusal a
sentence that names the field, and the content hash that makes a repeated submission find the first report.

    check(...)              the fields of a report → ReportInput (normalised), or ReportInvalid
    receive_attachment(...)  one upload → a pending file (type by content, size, shape), or ReportInvalid
    content_sha256(...)      the normalised content, hashed (the idempotency key)

Attachments are streamed to a pending file under data_dir area ``reports`` (core/files.py) and kept only when the
transaction recording them commits; a refused report leaves no file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telreg.config import Settings
from telreg.core import files
from telreg.core.clock import HK, Clock
from telreg.core.errors import InvalidNumber
from telreg.core.i18n import LANGUAGES, N_
from telreg.core.phone import HKNumber, NumberKind, parse_number, parse_registrable
from telreg.enforcement import matching
from telreg.enforcement.errors import ReportInvalid
from telreg.enforcement.vocabulary import CONTACT_KINDS, REGISTER_CLAIMS, REGISTERS_STARTED

__all__ = ["AREA", "ReportInput", "check", "content_sha256", "parse_arrival", "receive_attachment"]

AREA = "reports"
SENDER_MAX = 200
TEXT_MAX = 5000
CLOCK_SKEW = dt.timedelta(minutes=5)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_KINDS = {"image/png": "screenshot", "image/jpeg": "screenshot", "image/tiff": "fax-image",
          "application/pdf": "fax-image", "audio/wav": "audio", "audio/mpeg": "audio", "audio/ogg": "audio",
          "audio/mp4": "audio"}
NOT_ACCEPTED = N_("'%(filename)s' is not a screenshot, fax image or recording this form accepts (PNG, JPEG, "
                  "TIFF, PDF, WAV, MP3, Ogg or M4A).")


@dataclass(frozen=True)
class ReportInput:
    """A report's fields as checked and normalised."""

    number: HKNumber
    register_claim: str
    arrived_at: dt.datetime  # UTC
    sender_identification: str
    sender_number: str | None
    message_text: str
    contact_kind: str
    contact: str | None
    language: str
    attachments: tuple[files.PendingFile, ...] = field(default=())


def _invalid(message: str, field_name: str, **values: Any) -> ReportInvalid:
    return ReportInvalid(message, field=field_name, **values)  # type: ignore[arg-type]


def check_number(raw: str | None) -> HKNumber:
    """The receiving number: a Hong Kong number that may be listed (each refusal says why)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    compact = re.sub(r"[\s\-]", "", text)
    if compact.startswith("+") and not compact.startswith("+852"):
        raise _invalid(N_("'%(entered)s' is not a Hong Kong number: a report concerns a number on the Hong Kong "
                          "do-not-call registers (+852)."), "receiving_number", entered=text)
    try:
        return parse_registrable(raw)
    except InvalidNumber as exc:
        if exc.extra.get("kind") == NumberKind.service.value:
            raise _invalid(N_("'%(entered)s' is a service code, not a number that can be listed on a "
                              "do-not-call register."), "receiving_number", entered=text) from None
        raise ReportInvalid(exc.template or exc.message, field="receiving_number", **exc.extra) from None


def parse_arrival(value: str | dt.datetime | None, *, time_text: str | None = None) -> dt.datetime:
    """When the message arrived: an aware datetime, or text ``YYYY-MM-DD HH:MM[:SS][±HH:MM|Z]`` (or the date
    and TIME_TEXT apart); Hong Kong time unless an offset is given. Returned in UTC."""
    if isinstance(value, dt.datetime):
        at = value
    else:
        text = (value or "").strip()
        if time_text is not None and time_text.strip():
            text = f"{text} {time_text.strip()}"
        if not text:
            raise _invalid(N_("Give the date and time the message arrived."), "arrived_at")
        try:
            at = dt.datetime.fromisoformat(text.replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            raise _invalid(N_("'%(entered)s' is not a date and time: write it as 2026-12-01 14:30."),
                           "arrived_at", entered=text) from None
        if len(text) <= 10:  # a date alone
            raise _invalid(N_("Give the time the message arrived as well as the date."), "arrived_at",
                           entered=text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=HK)
    return at.astimezone(dt.UTC)


def check_arrival(at: dt.datetime, *, clock: Clock) -> None:
    now = clock.now()
    shown = at.astimezone(HK).strftime("%Y-%m-%d %H:%M")
    if at > now + CLOCK_SKEW:
        raise _invalid(N_("The arrival time %(arrived)s is in the future."), "arrived_at", arrived=shown)
    started = dt.datetime.combine(REGISTERS_STARTED, dt.time(), tzinfo=HK)
    if at < started:
        raise _invalid(N_("The arrival time %(arrived)s is before the do-not-call registers started "
                          "(%(started)s): no number was listed then."), "arrived_at", arrived=shown,
                       started=REGISTERS_STARTED.isoformat())


def check_contact(kind: str | None, value: str | None) -> tuple[str, str | None]:
    kind = (kind or "none").strip() or "none"
    value = (value or "").strip()
    if kind not in CONTACT_KINDS:
        raise _invalid(N_("'%(kind)s' is not a way to reach you: e-mail, SMS or none."), "contact_kind",
                       kind=kind)
    if kind == "none":
        return "none", None
    if kind == "email":
        if not _EMAIL.fullmatch(value) or len(value) > 254:
            raise _invalid(N_("'%(entered)s' is not an e-mail address."), "contact", entered=value)
        return "email", value
    try:
        number = parse_number(value)
    except InvalidNumber as exc:
        raise ReportInvalid(exc.template or exc.message, field="contact", **exc.extra) from None
    if number.kind is not NumberKind.mobile:
        raise _invalid(N_("%(entered)s is not a mobile number: an SMS can only go to a mobile number."),
                       "contact", entered=value)
    return "sms", number.national


def check(*, clock: Clock, receiving_number: str | None, register: str | None, arrived_at: str | dt.datetime | None,
          sender_identification: str | None, message_text: str | None, contact_kind: str | None = None,
          contact: str | None = None, language: str | None = None, arrived_time: str | None = None,
          attachments: Sequence[files.PendingFile] = ()) -> ReportInput:
    """Check every field; the first refusal is raised (ReportInvalid with ``field``)."""
    number = check_number(receiving_number)
    claim = (register or "").strip()
    if claim not in REGISTER_CLAIMS:
        raise _invalid(N_("Choose the register the message concerns: fax, SMS, pre-recorded, or not sure."),
                       "register", register=claim)
    at = parse_arrival(arrived_at, time_text=arrived_time)
    check_arrival(at, clock=clock)
    sender = " ".join((sender_identification or "").split())
    if not sender:
        raise _invalid(N_("Give the sender's number or name as the message showed it."), "sender_identification")
    if len(sender) > SENDER_MAX:
        raise _invalid(N_("The sender's identification is %(length)s characters long; at most %(limit)s are "
                          "kept."), "sender_identification", length=len(sender), limit=SENDER_MAX)
    text = (message_text or "").strip()
    if len(text) > TEXT_MAX:
        raise _invalid(N_("The message text is %(length)s characters long; at most %(limit)s are kept."),
                       "message_text", length=len(text), limit=TEXT_MAX)
    if not text and not attachments:
        raise _invalid(N_("Give the message's text, or attach a screenshot, fax image or recording of it."),
                       "message_text")
    kind, value = check_contact(contact_kind, contact)
    lang = language if language in LANGUAGES else "en"
    return ReportInput(number=number, register_claim=claim, arrived_at=at, sender_identification=sender,
                       sender_number=matching.normalise_sender_number(sender), message_text=text,
                       contact_kind=kind, contact=value, language=lang, attachments=tuple(attachments))


def check_count(settings: Settings, count: int) -> None:
    if count > settings.report_attachments_max:
        raise _invalid(N_("A report may carry at most %(limit)s attachments; %(count)s were sent."), "attachments",
                       limit=settings.report_attachments_max, count=count)


def receive_attachment(settings: Settings, *, stream: Any, filename: str) -> files.PendingFile:
    """Stream one attachment to a pending file: its type by content, its size, its shape (a picture Pillow can
    decode, a WAV whose frames are all there). Refused: nothing stays on disk."""
    try:
        pending = files.receive_document(Path(settings.data_dir), filename=filename or "attachment",
                                         stream=getattr(stream, "file", stream),
                                         max_bytes=settings.report_attachment_max_bytes, area=AREA,
                                         sniff=files.sniff_media, not_accepted=NOT_ACCEPTED)
    except files.UnacceptableFile as exc:
        raise ReportInvalid(exc.template or exc.message, field="attachments", **exc.extra) from None
    try:
        _check_shape(pending)
    except BaseException:
        files.discard(pending)
        raise
    return pending


def attachment_kind(content_type: str) -> str:
    return _KINDS.get(content_type, "document")


def _check_shape(pending: files.PendingFile) -> None:
    path, kind = pending.temp_path, pending.content_type
    ok = True
    try:
        if kind.startswith("image/"):
            from PIL import Image

            with Image.open(path) as image:
                image.load()  # decodes every byte: a truncated or corrupt picture raises here
        elif kind == "audio/wav":
            with wave.open(str(path), "rb") as sound:
                expected = sound.getnframes() * sound.getsampwidth() * sound.getnchannels()
                ok = expected > 0 and len(sound.readframes(sound.getnframes())) == expected
        elif kind == "application/pdf":
            with open(path, "rb") as handle:
                handle.seek(max(pending.size - 1024, 0))
                ok = b"%%EOF" in handle.read()
    except Exception:  # noqa: BLE001 - whatever the decoder says, the file is not what it claims to be
        ok = False
    if not ok:
        raise _invalid(N_("'%(filename)s' is damaged or incomplete: it cannot be opened."), "attachments",
                       filename=pending.filename)


def content_sha256(data: ReportInput) -> str:
    """SHA-256 of the normalised content: number, register, arrival (UTC), sender, text, attachment hashes."""
    sender = (f"number:{data.sender_number}" if data.sender_number is not None
              else f"name:{matching.normalise_name(data.sender_identification)}")
    document = [data.number.national, data.register_claim,
                data.arrived_at.astimezone(dt.UTC).replace(microsecond=0).isoformat(), sender,
                " ".join(data.message_text.split()), sorted(p.sha256 for p in data.attachments)]
    return hashlib.sha256(json.dumps(document, ensure_ascii=False).encode("utf-8")).hexdigest()
