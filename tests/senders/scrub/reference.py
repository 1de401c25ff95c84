"""A deliberately simple scrub, one line at a time with core/phone.py: what the vectorised engine must agree with."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass

from telreg.core.calendar import WorkingCalendar
from telreg.core.errors import InvalidNumber
from telreg.core.phone import parse_number


@dataclass
class Line:
    number: int  # 1-based, as in the file
    original: bytes  # with its line ending
    decision: str
    reason: str | None = None
    protected_from: dt.date | None = None


def _number(field: bytes) -> tuple[int | None, str | None]:
    try:
        text = field.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    try:
        parsed = parse_number(text)
    except InvalidNumber as exc:
        return None, exc.message
    return (int(parsed.national), None) if len(parsed.national) == 8 else (None, None)


def reference_scrub(content: bytes, *, listings: dict[int, dt.date], instructions: list[tuple[int, str, dt.datetime]],
                    send_date: dt.date, calendar: WorkingCalendar, column: int | None = None) -> list[Line]:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    pieces = content.split(b"\n")
    originals = [p + b"\n" for p in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    latest: dict[int, tuple[dt.datetime, int]] = {}
    for number, kind, at in instructions:
        key = (at, 1 if kind == "consent" else 2)  # at the same instant the unsubscribe wins
        if number not in latest or key > latest[number]:
            latest[number] = key
    first_line: dict[int, int] = {}
    out: list[Line] = []
    start = 0 if column is None else 1
    for index, original in enumerate(originals[start:], start=start + 1):
        text = original[:-1] if original.endswith(b"\n") else original
        text = text[:-1] if text.endswith(b"\r") else text
        field = text
        if column is not None:
            values = next(csv.reader([text.decode("utf-8")]))
            if len(values) <= column:
                out.append(Line(index, original, "rejected_invalid"))
                continue
            field = values[column].encode("utf-8")
        number, reason = _number(field)
        if number is None:
            out.append(Line(index, original, "rejected_invalid", reason))
        elif number in first_line:
            out.append(Line(index, original, "duplicate", f"duplicate of line {first_line[number]}"))
        else:
            first_line[number] = index
            state = latest.get(number, (None, 0))[1]
            if state == 2:
                out.append(Line(index, original, "blocked_unsubscribed"))
            elif state == 1:
                out.append(Line(index, original, "allowed_consent"))
            elif number in listings:
                starts = calendar.add_working_days(listings[number], 10)
                decision = "blocked_dnc" if starts <= send_date else "allowed_not_yet_protected"
                out.append(Line(index, original, decision, protected_from=starts))
            else:
                out.append(Line(index, original, "allowed"))
    return out
