"""Signed IVR webhook calls: the telephony platform proves each request with a shared secret.

The platform signs ``<timestamp>.<raw body>`` with HMAC-SHA256 under a shared secret and sends::

    X-Telreg-Timestamp: 1772416800          (Unix seconds, when the request was signed)
    X-Telreg-Signature: v1=<64 hex digits>  (several "v1=…" separated by commas are accepted: one per secret)

The webhook accepts a request when one signature matches one of the configured secrets (compared in constant
time), its timestamp is within ±300 seconds of the server's clock, and that signature has not been accepted
before (``dnc_ivr_signatures_seen``: a unique signature per window, so two workers agree on a replay). A call
event re-delivered by the platform carries a new timestamp, hence a new signature: the engine's ``seq`` then
answers it as before.

Secrets come from ``TELREG_IVR_WEBHOOK_SECRET`` (several, separated by commas, while one is being replaced: the
platform switches to the new one, then the old one is removed). Production refuses to start without one, or with
one shorter than 32 characters. Outside production, when it is unset, a secret is generated once under
``data_dir`` (file ``ivr_webhook_secret``, mode 0600), as the session secret and the personal-data keys are;
the simulator, the tests and the README's curl example read it from there.

``sign(secret, body, timestamp)`` gives the headers of one request: every client of the webhook uses it.
Mutual TLS between the platform and this listener is planned once telreg's own CA exists (``ecert``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets as secrets_module
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.db import insert_unless_duplicate
from telreg.core.errors import DomainError, NotAuthenticated
from telreg.core.i18n import N_
from telreg.core.secret_files import write_once

__all__ = [
    "DEV_SECRET_FILE_NAME",
    "MIN_SECRET_LENGTH",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WINDOW_SECONDS",
    "IvrSecretRefused",
    "WebhookUnauthorized",
    "sign",
    "signature",
    "verify",
    "webhook_secrets",
]

TIMESTAMP_HEADER = "X-Telreg-Timestamp"
SIGNATURE_HEADER = "X-Telreg-Signature"
SCHEME = "v1"
WINDOW_SECONDS = 300
MIN_SECRET_LENGTH = 32
DEV_SECRET_FILE_NAME = "ivr_webhook_secret"
# A 401's WWW-Authenticate (RFC 9110 §11.6.1 requires one): HTTP has no registered scheme for a signed webhook,
# so it names ours and the headers it expects, instead of the public app's Bearer (which the listener refuses).
CHALLENGE = f'Telreg-HMAC realm="telreg-ivr", headers="{TIMESTAMP_HEADER} {SIGNATURE_HEADER}"'


class WebhookUnauthorized(NotAuthenticated):
    """A webhook request that does not prove it comes from the telephony platform."""

    code = "webhook_unauthorized"


class IvrSecretRefused(DomainError):
    """The webhook's shared secret is missing or too weak; the IVR listener does not start."""

    status_code = 500
    code = "ivr_secret_refused"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers that sign one webhook request whose raw body is ``body``."""
    return {TIMESTAMP_HEADER: str(int(timestamp)), SIGNATURE_HEADER: f"{SCHEME}={signature(secret, body, timestamp)}"}


def webhook_secrets(settings: Settings) -> list[str]:
    """The accepted secrets, the one to sign with first; refuses a missing or short secret in production."""
    if settings.ivr_webhook_secret:
        found = [s.strip() for s in settings.ivr_webhook_secret.split(",") if s.strip()]
        short = [n for n, s in enumerate(found, 1) if len(s) < MIN_SECRET_LENGTH]
        if settings.is_production and short:
            raise IvrSecretRefused(
                N_("TELREG_IVR_WEBHOOK_SECRET: secret number %(position)s is shorter than %(needed)s characters; "
                   "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."),
                position=short[0], needed=MIN_SECRET_LENGTH)
        if found:
            return found
    if settings.is_production:
        raise IvrSecretRefused(N_("TELREG_IVR_WEBHOOK_SECRET is not set: production does not start the IVR "
                                  "webhook without the secret its telephony platform signs requests with."))
    return [_ensure_dev_secret(Path(settings.data_dir)).read_text(encoding="utf-8").strip()]


def verify(session: Session, *, secrets: list[str], body: bytes, timestamp: str | None, signatures: str | None,
           now: dt.datetime) -> None:
    """Refuse (401) a request that is unsigned, signed with another secret, stale, or a replay; remember the
    signature of one that is accepted (in the caller's transaction)."""
    if not timestamp or not signatures:
        raise WebhookUnauthorized(N_("This webhook only accepts requests signed by the telephony platform "
                                     "(headers %(timestamp_header)s and %(signature_header)s)."),
                                  timestamp_header=TIMESTAMP_HEADER, signature_header=SIGNATURE_HEADER)
    try:
        signed_at = int(timestamp.strip())
    except ValueError:
        signed_at = None
    if signed_at is None or abs(now.timestamp() - signed_at) > WINDOW_SECONDS:
        raise WebhookUnauthorized(N_("The request's timestamp is missing, malformed or more than %(window)s "
                                     "seconds from the server's clock; sign each request when it is sent."),
                                  window=WINDOW_SECONDS)
    offered = [part.strip()[len(SCHEME) + 1:] for part in signatures.split(",")
               if part.strip().startswith(f"{SCHEME}=")]
    matched = None
    for secret in secrets:
        expected = signature(secret, body, signed_at)
        for candidate in offered:
            # compare_digest on ASCII str: constant time whatever the candidate holds.
            if hmac.compare_digest(expected, candidate.lower().encode("ascii", "replace").decode("ascii")):
                matched = expected
    if matched is None:
        raise WebhookUnauthorized(N_("The request's signature does not match: it was signed with another "
                                     "secret, or the body was changed after signing."))
    from telreg.dnc.models import IvrSignatureSeen

    # Expired signatures are forgotten by the worker (forget_expired), not here: two requests deleting the same
    # rows inside their own transactions could deadlock on PostgreSQL, and a stale row only costs space.
    expires_at = dt.datetime.fromtimestamp(signed_at + WINDOW_SECONDS, tz=dt.UTC)
    if insert_unless_duplicate(session, IvrSignatureSeen(signature=matched, expires_at=expires_at)) is None:
        raise WebhookUnauthorized(N_("This signed request was already received; the platform signs each "
                                     "delivery anew."))


def forget_expired(session: Session, *, now: dt.datetime) -> int:
    """Delete the remembered signatures whose replay window has closed (they would be refused as stale anyway);
    return how many. The worker runs it every hour (dnc.jobs)."""
    from telreg.dnc.models import IvrSignatureSeen

    result = session.execute(delete(IvrSignatureSeen).where(IvrSignatureSeen.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _ensure_dev_secret(data_dir: Path) -> Path:
    """Create the development secret unless it exists (0600, atomically, as the development key file is)."""
    return write_once(data_dir / DEV_SECRET_FILE_NAME, lambda: secrets_module.token_urlsafe(48) + "\n")
