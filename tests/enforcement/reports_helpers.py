"""Shared makings of the report tests: files of each kind, a valid report's fields, the code from the fakes."""

from __future__ import annotations

import io
import re
import struct
import wave
from typing import Any

from PIL import Image

MOBILE = "91234567"
FIXED = "21234567"


def png_bytes(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return out.getvalue()


def tiff_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("1", (16, 16)).save(out, "TIFF")
    return out.getvalue()


def wav_bytes(frames: int = 800) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(struct.pack(f"<{frames}h", *([0] * frames)))
    return out.getvalue()


def fields(**overrides: Any) -> dict[str, Any]:
    base = {"receiving_number": MOBILE, "register": "sms", "arrived_at": "2026-03-01 14:30",
            "sender_identification": "+852 3111 2222", "message_text": "Big sale! Reply STOP to stop.",
            "contact_kind": "email", "contact": "reporter@example.org"}
    base.update(overrides)
    return base


def code_from_sms(sms: Any, number: str = MOBILE) -> str:
    match = re.search(r"(?<![-\d])(\d{6})(?!\d)", sms.to(number)[-1])  # not the reference's digits
    assert match, sms.to(number)
    return match.group(1)


def code_from_call(telephony: Any, number: str = FIXED) -> str:
    message = [m for n, m in telephony.calls if n == number][-1]
    match = re.search(r"(\d(?: \d){5})", message)
    assert match, message
    return match.group(1).replace(" ", "")


def uploads_in(data_dir: Any) -> list[str]:
    root = data_dir / "uploads" / "reports"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []
