"""Prove who you are with a document and a number you hold: a one-time code by SMS, then a short access.

1. ``request_code``: the person gives a document (type and number) and one of their numbers. When that number
   is registered now to that document's identity, a 6-digit code goes by SMS to the number. Otherwise
   nothing is sent — but the answer, the row written and the work done are the same, so the answer never
   tells whether the document is on record or whose the number is.
2. ``prove_code``: the right code, within 10 minutes and 5 attempts, once, grants an access token (30 minutes)
   to read the summary and flag numbers. Wrong codes are *returned*, not raised, so the edge commits the
   attempt count.

Codes are stored as a keyed hash (HMAC under the vault's index key, so a database copy does not let anyone try
the million codes offline), tokens as SHA-256. Requests are limited per document and per number over a window;
the limits are counted before anything is sent, matched or not, under a lock per document and per number so
concurrent requests cannot all squeeze under a limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Message, format_message
from telreg.core.notify import SmsSender
from telreg.core.vault import Vault
from telreg.realname import identities, words
from telreg.realname import repository as registrations
from telreg.realname.documents import check_document
from telreg.realname.lookup import repository
from telreg.realname.lookup.errors import CodeRejected, LookupAccessEnded, LookupNotOffered, LookupRateLimited
from telreg.realname.lookup.models import LookupChallenge
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.policy import Policy
from telreg.realname.policy.model import Lookup as PolicyLookup

__all__ = ["AUDIT_SUBJECT", "DEFAULT_LIMITS", "CodeRequested", "DeferredSms", "LookupAccess", "LookupLimits",
           "Proof", "access", "ensure_offered", "limits_for", "prove_code", "request_code"]

AUDIT_SUBJECT = "realname-lookup"
CODE_DIGITS = 6
_CODE_KIND = "realname.lookup-code"
# The SMS in the language of the page or request that asked for it (its Chinese is in the catalogs).
SMS_TEXT = N_("Your one-identity lookup code is %(code)s. It is valid for %(minutes)s minutes. Tell it to no "
              "one.")


_POLICY_DEFAULTS = PolicyLookup()  # one source for the defaults: the policy file's [lookup] table


@dataclass(frozen=True)
class LookupLimits:
    code_ttl: dt.timedelta = dt.timedelta(minutes=_POLICY_DEFAULTS.code_minutes)
    max_attempts: int = _POLICY_DEFAULTS.max_attempts
    window: dt.timedelta = dt.timedelta(minutes=_POLICY_DEFAULTS.window_minutes)
    per_number: int = _POLICY_DEFAULTS.codes_per_number  # codes a number may be sent within the window
    per_document: int = _POLICY_DEFAULTS.codes_per_document  # codes asked with one document within the window
    access_ttl: dt.timedelta = dt.timedelta(minutes=_POLICY_DEFAULTS.access_minutes)


DEFAULT_LIMITS = LookupLimits()


def limits_for(policy: Policy) -> LookupLimits:
    """The limits the policy file sets (its ``[lookup]`` table, whose defaults are DEFAULT_LIMITS)."""
    given = policy.lookup
    return LookupLimits(code_ttl=dt.timedelta(minutes=given.code_minutes), max_attempts=given.max_attempts,
                        window=dt.timedelta(minutes=given.window_minutes), per_number=given.codes_per_number,
                        per_document=given.codes_per_document,
                        access_ttl=dt.timedelta(minutes=given.access_minutes))


@dataclass
class DeferredSms:
    """Holds messages until ``deliver``: the edges send the code after answering, so how long the answer takes
    does not tell whether a message was sent (that is, whether the document and number matched)."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    def send_sms(self, number: str, text: str) -> None:
        self.messages.append((number, text))

    def deliver(self, sms: SmsSender) -> None:
        while self.messages:
            sms.send_sms(*self.messages.pop(0))


@dataclass(frozen=True)
class CodeRequested:
    token: str  # names the challenge when the code is given back; not a secret on its own
    expires_at: dt.datetime


@dataclass(frozen=True)
class Proof:
    """A code check: an access token when proved, else the rejection (to answer after committing)."""

    access_token: str | None = None
    expires_at: dt.datetime | None = None
    rejected: CodeRejected | None = None


@dataclass(frozen=True)
class LookupAccess:
    """What a proved person may see: their identity, and the operator of the number they proved."""

    challenge_id: int
    identity_id: int
    operator_id: int
    number_id: int
    expires_at: dt.datetime


def ensure_offered(policy: Policy) -> None:
    """Refuse with 404 when the deployment's policy has no one-identity lookup (Hong Kong's has none)."""
    if not policy.one_identity_lookup:
        raise LookupNotOffered(N_("The one-identity lookup is not offered under the %(policy)s policy."),
                               policy=Message.term(policy.name, words.policy_label(policy.name)))


def request_code(session: Session, *, vault: Vault, policy: Policy, clock: Clock, sms: SmsSender,
                 doc_type: str, document: str, number: str, lang: str = "en",
                 limits: LookupLimits = DEFAULT_LIMITS, actor: str = "public:lookup") -> CodeRequested:
    """Send a code to NUMBER when it is registered to DOCUMENT's identity; answer the same way either way."""
    ensure_offered(policy)
    index = _document_index(vault, policy=policy, clock=clock, doc_type=doc_type, document=document)
    national = parse_subscriber_number(number, jurisdiction=policy.jurisdiction)
    now = clock.now()
    _within_limits(session, now=now, limits=limits, document_index=index, number=national)

    identity = registrations.identity_by_index(session, index)
    row = registrations.number_row(session, national)
    current = registrations.current_registration(session, row.id) if row is not None else None
    matched = identity is not None and current is not None and current.holder_id == identity.id

    repository.supersede_pending(session, number=national)
    token, code = secrets.token_urlsafe(32), f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    token_hash = _sha256(token)
    challenge = repository.add_challenge(session, LookupChallenge(
        token_hash=token_hash, document_index=index, number=national,
        identity_id=identity.id if matched and identity else None,
        number_id=row.id if matched and row else None,
        operator_id=row.operator_id if matched and row else None,
        code_hash=_code_hash(vault, token_hash, code), attempts=0, state="pending",
        created_at=now, expires_at=now + limits.code_ttl,
    ))
    audit.record(session, clock=clock, actor=actor, action="realname-lookup-code-requested",
                 subject_type=AUDIT_SUBJECT, subject_key=str(challenge.id),
                 details={"number": national, "matched": matched, "identity": challenge.identity_id})
    if matched:  # the code exists only in this message and, hashed, in the row
        minutes = int(limits.code_ttl.total_seconds() // 60)
        sms.send_sms(national, format_message(lang, SMS_TEXT, {"code": code, "minutes": minutes}))
    return CodeRequested(token=token, expires_at=challenge.expires_at)


def prove_code(session: Session, *, vault: Vault, clock: Clock, token: str, code: str,
               limits: LookupLimits = DEFAULT_LIMITS, actor: str = "public:lookup") -> Proof:
    """Check CODE against the challenge named by TOKEN; grant access when right, else say why not."""
    challenge = repository.challenge_by_token(session, _sha256(token))
    now = clock.now()
    refusal = _unusable(challenge, now=now)
    if refusal is not None or challenge is None:
        return Proof(rejected=refusal)
    challenge.attempts += 1
    given = "".join(code.split())
    right = hmac.compare_digest(_code_hash(vault, challenge.token_hash, given), challenge.code_hash)
    # A challenge that matched nothing has no identity: its code is never right, whatever was typed.
    if not right or challenge.identity_id is None:
        left = max(limits.max_attempts - challenge.attempts, 0)
        if left == 0:
            challenge.state = "locked"
        _record(session, clock=clock, actor=actor, challenge=challenge, action="realname-lookup-code-wrong",
                attempts=challenge.attempts)
        session.flush()
        if left:
            rejected = CodeRejected(N_("The code is not correct; %(attempts_left)s attempt(s) left."),
                                    reason="wrong", attempts_left=left)
        else:
            rejected = CodeRejected(N_("The code is not correct, and that was the last attempt: ask for a "
                                       "new code."), reason="locked", attempts_left=left)
        return Proof(rejected=rejected)
    access_token = secrets.token_urlsafe(32)
    challenge.state, challenge.proved_at = "proved", now
    challenge.access_hash, challenge.access_expires_at = _sha256(access_token), now + limits.access_ttl
    _record(session, clock=clock, actor=actor, challenge=challenge, action="realname-lookup-proved",
            attempts=challenge.attempts)
    session.flush()
    return Proof(access_token=access_token, expires_at=challenge.access_expires_at)


def access(session: Session, *, clock: Clock, access_token: str | None) -> LookupAccess:
    """Return what the access token grants, or raise LookupAccessEnded when there is none or it ran out."""
    challenge = repository.challenge_by_access(session, _sha256(access_token)) if access_token else None
    if (challenge is None or challenge.state != "proved" or challenge.access_expires_at is None
            or challenge.access_expires_at <= clock.now() or challenge.identity_id is None
            or challenge.operator_id is None or challenge.number_id is None):
        raise LookupAccessEnded(N_("Your lookup has ended or was never started: ask for a new code to see "
                                   "your numbers again."))
    return LookupAccess(challenge_id=challenge.id, identity_id=challenge.identity_id,
                        operator_id=challenge.operator_id, number_id=challenge.number_id,
                        expires_at=challenge.access_expires_at)


def _document_index(vault: Vault, *, policy: Policy, clock: Clock, doc_type: str, document: str) -> str:
    if doc_type not in policy.documents.person:
        raise InvalidInput(N_("The lookup takes a personal identity document: one of %(known)s (not "
                              "%(given)s)."), doc_type=doc_type, given=words.document(doc_type, quoted=True),
                           known=words.documents(policy.documents.person))
    checked = check_document(doc_type, document, on=today(clock))
    if not checked.valid or checked.normalised is None:
        raise InvalidInput(N_("The %(doc_type)s number is not valid: %(reason)s"),
                           doc_type=words.document(doc_type), field="document", reason=checked.reason)
    return identities.document_index(vault, doc_type=doc_type, normalised=checked.normalised)


def _within_limits(session: Session, *, now: dt.datetime, limits: LookupLimits, document_index: str,
                   number: str) -> None:
    repository.lock_request_keys(session, document_index=document_index, number=number)
    since = now - limits.window
    by_document = repository.requests_since(session, since=since, document_index=document_index)
    by_number = repository.requests_since(session, since=since, number=number)
    # A count at its limit frees up when the request LIMIT places from the newest leaves the window.
    free_at = [times[-limit] + limits.window
               for times, limit in ((by_document, limits.per_document), (by_number, limits.per_number))
               if len(times) >= limit]
    if free_at:
        wait = max(int((max(free_at) - now).total_seconds()) + 1, 1)
        window = int(limits.window.total_seconds() // 60)
        raise LookupRateLimited(
            N_("Too many codes were asked for this document or number in the last %(window)s minutes; try "
               "again in %(minutes)s minute(s)."),
            retry_after=wait, window=window, minutes=(wait + 59) // 60,
        )


def _unusable(challenge: LookupChallenge | None, *, now: dt.datetime) -> CodeRejected | None:
    if challenge is None:
        return CodeRejected(N_("This code request is not known: ask for a new code."), reason="unknown")
    if challenge.state == "proved":
        return CodeRejected(N_("This code was used already: ask for a new code."), reason="used")
    if challenge.state == "superseded":
        return CodeRejected(N_("A newer code was sent to this number: use the newest one."),
                            reason="superseded")
    if challenge.state == "locked":
        return CodeRejected(N_("Too many wrong codes: ask for a new code."), reason="locked")
    if challenge.expires_at <= now:
        return CodeRejected(N_("This code has expired: ask for a new code."), reason="expired")
    return None


def _record(session: Session, *, clock: Clock, actor: str, challenge: LookupChallenge, action: str,
            **details: object) -> None:
    audit.record(session, clock=clock, actor=actor, action=action, subject_type=AUDIT_SUBJECT,
                 subject_key=str(challenge.id), details={"identity": challenge.identity_id, **details})


def _code_hash(vault: Vault, token_hash: str, code: str) -> str:
    return vault.blind_index(_CODE_KIND, f"{token_hash}:{code}")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
