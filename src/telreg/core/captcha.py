"""Image CAPTCHA for web log-in forms: single use, short-lived, only a SHA-256 of the answer is stored.

:func:`issue` makes a challenge (a random answer drawn as distorted characters over noise lines) and returns its
token and PNG; :func:`verify` consumes the token whatever the answer, so one picture gives one guess.

Tests must know the answer without reading the picture. Rather than patching, the answer *source* is a plain
argument: ``issue(..., answers=source)``, where a source is a no-argument callable returning the characters.
Edges take it from ``runtime.extras["captcha_answers"]`` (see :func:`answer_source`), which only tests set; the
default draws from :mod:`secrets`. Explicit and visible at every call, and impossible to leave on by accident in
production because nothing but a test puts anything in ``extras``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput
from telreg.core.models import CaptchaChallenge

__all__ = [
    "ALPHABET",
    "ANSWER_LENGTH",
    "AnswerSource",
    "CaptchaFailed",
    "EXTRAS_KEY",
    "TTL",
    "answer_source",
    "issue",
    "random_answer",
    "render_png",
    "verify",
]

# No 0/O, 1/I/L: characters a person could read two ways would make honest users fail.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ANSWER_LENGTH = 5
TTL = dt.timedelta(minutes=5)
KEEP_USED = dt.timedelta(days=1)  # used or expired challenges are deleted after this long
EXTRAS_KEY = "captcha_answers"

AnswerSource = Callable[[], str]


class CaptchaFailed(InvalidInput):
    """The characters typed do not match the picture, or the picture was already used or has expired."""

    code = "captcha_failed"

    def __init__(self, message: str = "The characters you typed do not match the picture, or the picture has "
                                      "expired. Type the characters of the new picture.", **extra: Any) -> None:
        super().__init__(message, **extra)

_random = secrets.SystemRandom()  # every random choice here, drawing included, comes from the OS generator


def random_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ANSWER_LENGTH))


def answer_source(runtime: Any) -> AnswerSource:
    """The runtime's answer source: tests put a callable under ``extras["captcha_answers"]``; else random."""
    source = getattr(runtime, "extras", {}).get(EXTRAS_KEY)
    return source if callable(source) else random_answer


def _digest(answer: str) -> str:
    return hashlib.sha256("".join(answer.split()).upper().encode()).hexdigest()


def issue(session: Session, clock: Clock, *, answers: AnswerSource = random_answer) -> tuple[str, bytes]:
    """Create a challenge; return its token and the PNG to show. Old challenges are swept on the way."""
    now = clock.now()
    session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now - KEEP_USED))
    answer = answers()
    token = secrets.token_urlsafe(24)
    session.add(CaptchaChallenge(token=token, answer_sha256=_digest(answer), created_at=now, expires_at=now + TTL))
    session.flush()
    return token, render_png(answer)


def verify(session: Session, clock: Clock, *, token: str, answer: str) -> bool:
    """Consume the challenge and tell whether the answer was right (case and spaces ignored).

    One conditional UPDATE marks it used, so of two requests racing with the same token only one gets it; a
    wrong answer uses it up too (a new picture per guess). The caller must commit even when this says False.
    """
    now = clock.now()
    if not token or len(token) > 64:
        return False
    consumed = session.execute(
        update(CaptchaChallenge)
        .where(CaptchaChallenge.token == token, CaptchaChallenge.used_at.is_(None),
               CaptchaChallenge.expires_at > now)
        .values(used_at=now)
        .returning(CaptchaChallenge.answer_sha256)
    ).scalar_one_or_none()
    if consumed is None:
        return False
    return secrets.compare_digest(consumed, _digest(answer or ""))


# ---- drawing ------------------------------------------------------------------------------------------------------

_WIDTH, _HEIGHT, _FONT_SIZE = 220, 80, 44


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=_FONT_SIZE)  # Pillow's bundled scalable font: no system fonts needed


def _ink() -> tuple[int, int, int]:
    return (_random.randint(0, 90), _random.randint(0, 90), _random.randint(40, 130))


def render_png(answer: str) -> bytes:
    """Draw the answer: each character rotated and shifted on its own, noise lines and dots across, then a blur."""
    image = Image.new("RGB", (_WIDTH, _HEIGHT), (242, 240, 232))
    draw = ImageDraw.Draw(image)
    for _ in range(120):  # background speckle
        x, y = _random.randrange(_WIDTH), _random.randrange(_HEIGHT)
        draw.point((x, y), fill=(_random.randint(150, 220),) * 3)
    font = _font()
    step = (_WIDTH - 20) // max(len(answer), 1)
    for index, char in enumerate(answer):
        glyph = Image.new("RGBA", (_FONT_SIZE + 16, _FONT_SIZE + 16), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((8, 2), char, font=font, fill=(*_ink(), 255))
        glyph = glyph.rotate(_random.uniform(-28, 28), resample=Image.Resampling.BICUBIC, expand=True)
        x = 10 + index * step + _random.randint(-4, 4)
        y = (_HEIGHT - glyph.height) // 2 + _random.randint(-8, 8)
        image.paste(glyph, (x, y), glyph)
    for _ in range(5):  # lines across the characters, so they cannot simply be cut apart
        points = [(_random.randrange(_WIDTH), _random.randrange(_HEIGHT)) for _ in range(3)]
        draw.line(points, fill=_ink(), width=_random.randint(1, 3))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
