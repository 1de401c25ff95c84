"""CAPTCHA for web log-in forms, to see or to hear: single use, short-lived, only the answer's SHA-256 kept.

:func:`issue` makes a challenge (a random answer drawn as distorted characters over noise lines) and returns its
token and PNG; :func:`verify` consumes the token whatever the answer, so one picture gives one guess.

**Listening instead of looking** (WCAG 1.1.1: a CAPTCHA needs an alternative in another sense). The same
challenge is spoken by :func:`speak`: its characters read one by one over babble noise, as a WAV file (the
``captcha`` package's recorded voices of 0-9 and A-Z; speed, volume and gaps vary on every play). The
database keeps only the answer's hash, so a challenge issued with an ``audio_key`` carries its answer in its
token, encrypted: ``<nonce>.<answer XOR HMAC-SHA256(audio_key, nonce)>``, a one-time pad from a keyed PRF
with a fresh random nonce. The browser cannot read it; the server opens it to speak, only while the challenge
is unused and unexpired. An altered token is a token nobody issued. The key is derived from the deployment's
index key (:func:`audio_key_for`), so every server process of a deployment opens every token.

Tests must know the answer without reading the picture. Rather than patching, the answer *source* is a plain
argument: ``issue(..., answers=source)``, where a source is a no-argument callable returning the characters.
Edges take it from ``runtime.extras["captcha_answers"]`` (see :func:`answer_source`), which only tests set; the
default draws from :mod:`secrets`. Explicit and visible at every call, and impossible to leave on by accident in
production because nothing but a test puts anything in ``extras``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import secrets
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput, NotFound
from telreg.core.i18n import N_
from telreg.core.models import CaptchaChallenge

__all__ = [
    "ALPHABET",
    "ANSWER_LENGTH",
    "AnswerSource",
    "CaptchaFailed",
    "CaptchaNotFound",
    "EXTRAS_KEY",
    "TTL",
    "answer_source",
    "audio_key_for",
    "issue",
    "random_answer",
    "render_png",
    "render_wav",
    "speak",
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


class CaptchaNotFound(NotFound):
    """The challenge to be spoken is unknown, used or expired (or was issued without sound)."""

    code = "captcha_not_found"

    def __init__(self, message: str = N_("This CAPTCHA has been used or has expired. Ask for a new one."),
                 **extra: Any) -> None:
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


def audio_key_for(runtime: Any) -> bytes:
    """The deployment's key for answers carried in tokens: derived from its index key, for this use alone."""
    return bytes.fromhex(runtime.vault.blind_index("captcha.audio", "token-key"))


def issue(session: Session, clock: Clock, *, answers: AnswerSource = random_answer,
          audio_key: bytes | None = None) -> tuple[str, bytes]:
    """Create a challenge; return its token and the PNG to show. Old challenges are swept on the way.

    With ``audio_key`` the token carries the answer, sealed, so :func:`speak` can say it too.
    """
    now = clock.now()
    session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now - KEEP_USED))
    answer = answers()
    token = secrets.token_urlsafe(24) if audio_key is None else _seal(audio_key, answer)
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


def speak(session: Session, clock: Clock, *, token: str, audio_key: bytes) -> bytes:
    """Return the challenge's characters spoken, as WAV; it stays unused (listening is not guessing)."""
    answer = _open(audio_key, token)
    digest = session.scalar(select(CaptchaChallenge.answer_sha256).where(
        CaptchaChallenge.token == token, CaptchaChallenge.used_at.is_(None),
        CaptchaChallenge.expires_at > clock.now()))
    # The stored hash proves the opened answer is the picture's (not a token of another key or no key).
    if answer is None or digest is None or not secrets.compare_digest(digest, _digest(answer)):
        raise CaptchaNotFound()
    return render_wav(answer)


# ---- the answer inside the token -------------------------------------------------------------------------

_NONCE_BYTES = 18  # 144 random bits: 24 characters of token, unique for as long as tokens live
_MAX_SEALED = 28  # bytes of answer: nonce, dot and sealed answer stay within the token column's 64 characters


def _pad(key: bytes, nonce: str, length: int) -> bytes:
    return hmac.new(key, b"captcha-audio\x00" + nonce.encode("ascii"), hashlib.sha256).digest()[:length]


def _seal(key: bytes, answer: str) -> str:
    plain = answer.encode("utf-8")
    if len(plain) > _MAX_SEALED:
        raise ValueError(f"a CAPTCHA answer to be spoken has at most {_MAX_SEALED} bytes")
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(_NONCE_BYTES)).decode("ascii")
    sealed = bytes(a ^ b for a, b in zip(plain, _pad(key, nonce, len(plain)), strict=True))
    return f"{nonce}.{base64.urlsafe_b64encode(sealed).rstrip(b'=').decode('ascii')}"


def _open(key: bytes, token: str) -> str | None:
    nonce, dot, sealed_text = token.partition(".")
    if not dot or len(nonce) != _NONCE_BYTES * 4 // 3 or len(token) > 64:
        return None
    try:
        sealed = base64.urlsafe_b64decode(sealed_text + "=" * (-len(sealed_text) % 4))
        plain = bytes(a ^ b for a, b in zip(sealed, _pad(key, nonce, len(sealed)), strict=True))
        return plain.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


# ---- speaking ------------------------------------------------------------------------------------------

_voices: Any = None
_voices_lock = threading.Lock()


def render_wav(answer: str) -> bytes:
    """Say the answer's characters one by one over noise (8 kHz mono WAV); unvoiced characters are skipped.

    The answers come from ALPHABET, whose characters all have a voice.
    """
    global _voices
    with _voices_lock:  # the voices are read once, by one thread
        if _voices is None:
            from captcha.audio import AudioCaptcha  # imported when first needed

            _voices = AudioCaptcha()
            _voices.load()
    spoken = "".join(char for char in "".join(answer.split()).upper() if char in _voices.choices)
    if not spoken:
        raise ValueError("a CAPTCHA answer to be spoken needs characters from 0-9 and A-Z")
    return bytes(_voices.generate(spoken))


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
