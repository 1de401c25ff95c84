"""Retention of personal data after termination, and its erasure by crypto-shredding (issue 16 §4, seed 003).

Seed 003: once a user stops using the service, the operator stops collecting and using their personal
information. The policy says how long it is kept after that (``retention.personal_data_days``, per
jurisdiction, read through ``effective_policy`` so an approved policy change reaches it); then the worker erases
it (retention_jobs.py, daily), and a report shows what is due, held, kept and erased (retention_report.py).

**Due**: an identity not yet erased, every registration of which — in every role: holder, guardian, agent,
handler — ended more than ``personal_data_days`` ago. Not erased although due:

- **held**: a lawful-access request about it is in progress (lawful/holds.py); erased after the request closes;
- **kept: certificate**: an e-Cert of it (as subject or as an organisation's authorised person) is still good or
  on hold and not expired — the certificate asserts the identity, so its data serves a live service.

An identity with no registration at all is never due by this rule (it serves nothing the rule can time).

**What is erased** (every personal value tied to the identity):

    realname_identities        document, name, date of birth, address (sealed); the document's blind index
    realname_registrations     the organisation's authorisation letter and the agent's letter of every
                               registration the identity took part in (they name its parties)
    realname_verification_flags  flags on its document: the number and the impostor's owner name (sealed); a
                               withdrawn flag's blind index too (a flag in force keeps its index: the register
                               must go on refusing that forged, lost or misused document, a separate purpose)
    realname_lookup_challenges the blind index of the document given (its code requests)
    ecert_certificates         its certificates (expired or revoked: a good one keeps the identity): ``subject``
                               rewritten to a pseudonymous placeholder, ``der`` and the document ``pseudonym``
                               dropped — see below why status answers need neither
    ecert_applications         the CSR (it carries the subject's name) and the e-mail address
    ecert_subscriptions        the reminder e-mail address of those certificates

**What is kept**, and why: ids and dates (the identity row itself, its ``kind`` and ``doc_type`` — a document
*type* names nobody), registrations (number, operator, roles as identity ids, dates, end reason, how the
document was checked): the fact that a number was registered from a date to a date is what the do-not-call
feed, the compliance reports and history, quotas' recounts and lawful-access's "no records" answers are built
on, and it is not personal data once nothing ties the id to a person. Numbers are the operator's, not the
holder's. Audit events never held values (only ids and masked forms). The lawful-access request's own target
(``la_tasks.target_sealed``) is the agency's request, kept under lawful access's own rules.

**Crypto-shredding here means re-sealing without the fields.** Every sealed value is an AES-GCM token under the
vault's key (core/vault.py); erasing replaces each token by a token of the empty value (nullable columns become
NULL), and the blind index by the index of a random value — so the document no longer finds this identity
(a returning person gets a fresh identity) and the unique index still holds. The live database then holds
nothing that opens to the person's data. **Its limit**: database backups taken before the erasure still hold
the old tokens, which open with the vault key for as long as that key lives. Rotating the vault key (``telreg
keys rotate``: new key, every live value re-sealed) and retiring the old key (``telreg keys retire``) once the
backup retention period has passed completes the shred: the old tokens in old backups become unreadable.
(Per-record data keys would shred at once, but would put a key lookup on every read of every record.)
Values that were never sealed (an e-Cert's subject and DER) are overwritten in the live row, but a database
keeps old row versions on disk for a while: PostgreSQL until (auto)vacuum reuses the space, SQLite in its
write-ahead log and free pages until a checkpoint and ``VACUUM`` — :func:`reclaim_sqlite_pages`, which ``telreg
realname retention run`` calls after its commit (SQLite serves development and tests; PostgreSQL production).

**Why an erased certificate needs neither its DER nor its subject for status**: a CRL entry is the serial
number, the revocation date and the reason (RFC 5280 §5.3), and an OCSP request names a certificate by the
issuer's name and key hashes and the serial number (RFC 6960 CertID); both are answered from the row's serial,
state and dates, which stay. Only an expired or revoked certificate is erased: nobody relies on it any more.

**Races**: :func:`erase` locks the identity row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite lets one writer in
at a time) and checks again inside the transaction that it is due, not held and not kept. A registration or a
lawful task naming the identity takes a key-share lock on it (its foreign key) when it inserts, so one committed
or inserting before the lock stops the erasure. A registration looks the identity up FOR UPDATE too
(realname/identities.find_or_create): if it came first, the erasure waits and then finds a current registration;
if the erasure came first, the registration's look-up waits, then no longer matches (the blind index was
replaced) and makes a fresh identity. Two workers erasing at once: the second waits for the lock, then sees ``erased_at``
set and does nothing; the unique ``realname_erasures.identity_id`` makes a second record impossible anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Engine,
    Select,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.db import Base, locked
from telreg.core.errors import NotFound
from telreg.core.i18n import N_
from telreg.core.key_rotation import SealedColumn, sealed_columns
from telreg.core.vault import Vault
from telreg.lawful.holds import held_identities_subquery
from telreg.realname.models import Identity, Registration
from telreg.realname.policy.overrides import effective_policy
from telreg.realname.retention_models import Erasure

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = [
    "ERASED",
    "ERASED_ACTION",
    "KEPT_SEALED",
    "Candidate",
    "DueList",
    "due",
    "erase",
    "reclaim_sqlite_pages",
    "retention_days",
    "run",
    "unclassified_sealed_columns",
]

log = logging.getLogger("telreg.realname.retention")

ERASED_ACTION = "realname-personal-data-erased"
ERASED, ALREADY_ERASED, NOT_DUE, HELD, KEPT = "erased", "already-erased", "not-due", "held", "kept"
LIVE_CERTIFICATE_STATES = ("good", "hold")
ERASED_KIND = "erased"  # the blind-index kind of the random value an erased index is replaced by
# Sealed columns this module leaves alone, and why (every other sealed column must be erased here: a test
# compares this with key_rotation's discovery of every ``*_sealed`` column, so a new one cannot be forgotten).
KEPT_SEALED = {
    "staff_two_factor.secret_sealed": "a staff member's sign-in secret, not a subscriber's data",
    "la_tasks.target_sealed": "the agency's request (its target), kept under lawful access's own rules",
    "la_results.key_sealed": "a released result's data key, shredded by the result's own lifecycle",
    "enf_reports.contact_sealed": "a reporter's contact for the acknowledgement of a report to the regulator, "
                                  "not a subscriber's data; kept with the report (enforcement evidence)",
}


def _rows_of(table: Table, identity_id: int, index: str) -> Any:
    """The rows of an ERASED_TABLES table that hold personal data of an identity (by its id, its document index)."""
    if table.name == "realname_identities":
        return table.c.id == identity_id
    if table.name == "realname_registrations":
        return or_(*(table.c[role] == identity_id for role in ("holder_id", "guardian_id", "agent_id", "handler_id")))
    return table.c.document_index == index  # realname_verification_flags: the flags on the identity's document


ERASED_TABLES = ("realname_identities", "realname_registrations", "realname_verification_flags")


def unclassified_sealed_columns() -> list[str]:
    """Every sealed column neither erased here nor listed in KEPT_SEALED (should be empty)."""
    return [f"{c.table.name}.{c.column}" for c in sealed_columns()
            if c.table.name not in ERASED_TABLES and f"{c.table.name}.{c.column}" not in KEPT_SEALED]


@dataclass(frozen=True)
class Candidate:
    """An identity whose registrations all ended, with when the last one ended and when erasure fell due."""

    identity_id: int
    doc_type: str
    last_ended_at: dt.datetime
    due_at: dt.datetime
    holds: tuple[str, ...] = ()  # the lawful-access tasks holding it (their object ids)

    def days_overdue(self, now: dt.datetime) -> int:
        return max(0, (now - self.due_at).days)


@dataclass
class DueList:
    days: int
    due: list[Candidate] = field(default_factory=list)
    held: list[Candidate] = field(default_factory=list)
    kept: list[Candidate] = field(default_factory=list)  # kept: a live e-Cert


def retention_days(session: Session, settings: Settings, *, clock: Clock) -> int:
    """The policy's retention period in days, as in force now (with the approved policy changes applied)."""
    return effective_policy(session, settings, clock=clock).retention.personal_data_days


def _parties() -> Any:
    """Every (identity, ended_at, operator) of every registration, one row per role the identity took."""
    r = Registration
    return union_all(
        select(r.holder_id.label("identity_id"), r.ended_at, r.operator_id),
        *(select(role.label("identity_id"), r.ended_at, r.operator_id).where(role.is_not(None))
          for role in (r.guardian_id, r.agent_id, r.handler_id)),
    ).subquery("parties")


def _all_ended(cutoff: dt.datetime, *, operator_id: int | None = None,
               identity_id: int | None = None) -> Any:
    """Identities whose registrations all ended before ``cutoff`` (in any role), with the last end."""
    p = _parties()
    stmt = (select(p.c.identity_id, func.max(p.c.ended_at).label("last_ended_at"))
            .group_by(p.c.identity_id)
            .having(func.count() == func.count(p.c.ended_at), func.max(p.c.ended_at) < cutoff))
    if identity_id is not None:
        stmt = stmt.where(p.c.identity_id == identity_id)
    if operator_id is not None:  # an operator's compliance officer sees the people it registered
        stmt = stmt.having(func.sum(case((p.c.operator_id == operator_id, 1), else_=0)) > 0)
    return stmt.subquery("ended")


def _live_certificate(now: dt.datetime) -> Any:
    certificates = _table("ecert_certificates")
    return exists().where(
        or_(certificates.c.identity_id == Identity.id, certificates.c.authorised_person_id == Identity.id),
        certificates.c.state.in_(LIVE_CERTIFICATE_STATES), certificates.c.not_after > now)


def _candidates(now: dt.datetime, days: int, **scope: Any) -> Select[Any]:
    ended = _all_ended(now - dt.timedelta(days=days), **scope)
    return (select(Identity.id, Identity.doc_type, ended.c.last_ended_at)
            .join(ended, ended.c.identity_id == Identity.id)
            .where(Identity.erased_at.is_(None)).order_by(Identity.id))


def due(session: Session, *, clock: Clock, settings: Settings, limit: int | None = None,
        operator_id: int | None = None) -> DueList:
    """List the identities due for erasure now, and those due but held (lawful access) or kept (an e-Cert).

    ``limit`` bounds each list; ``operator_id`` keeps the identities that took part in a registration with that
    operator.
    """
    from telreg.lawful.holds import holds_by_identity

    now, days = clock.now(), retention_days(session, settings, clock=clock)
    base = _candidates(now, days, operator_id=operator_id)
    held = Identity.id.in_(held_identities_subquery())
    live = _live_certificate(now)

    def listed(stmt: Select[Any]) -> list[Candidate]:
        rows = session.execute(stmt.limit(limit) if limit is not None else stmt).all()
        return [Candidate(identity_id, doc_type, ended, ended + dt.timedelta(days=days))
                for identity_id, doc_type, ended in rows]

    held_rows = listed(base.where(held))
    holds = holds_by_identity(session, [c.identity_id for c in held_rows])
    return DueList(
        days=days,
        due=listed(base.where(~held, ~live)),
        held=[Candidate(c.identity_id, c.doc_type, c.last_ended_at, c.due_at, tuple(holds.get(c.identity_id, ())))
              for c in held_rows],
        kept=listed(base.where(~held, live)),
    )


def erase(session: Session, *, clock: Clock, vault: Vault, settings: Settings, identity_id: int,
          actor: str) -> str:
    """Erase one identity's personal data if it is due, not held and not kept; return what happened.

    Returns ``erased``, or why not: ``already-erased`` (idempotent), ``not-due``, ``held`` or ``kept``. Flushes,
    never commits; the caller's transaction holds the identity row locked until it ends.
    """
    stmt = locked(session, select(Identity).where(Identity.id == identity_id))
    identity = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if identity is None:
        raise NotFound(N_("No identity has the id %(identity_id)s."), identity_id=identity_id)
    if identity.erased_at is not None:
        return ALREADY_ERASED
    now, days = clock.now(), retention_days(session, settings, clock=clock)
    ended = _all_ended(now - dt.timedelta(days=days), identity_id=identity_id)
    last_ended = session.scalar(select(ended.c.last_ended_at))
    if last_ended is None:
        return NOT_DUE
    if session.scalar(select(literal(identity_id).in_(held_identities_subquery()))):
        return HELD
    if session.scalar(select(_live_certificate(now)).where(Identity.id == identity_id)):
        return KEPT
    fields = _erase_sealed(session, vault, identity_id=identity_id, index=identity.document_index)
    fields += _erase_indexes(session, vault, identity_id=identity_id, index=identity.document_index)
    fields += _erase_certificates(session, identity_id=identity_id, now=now)
    session.execute(update(Identity).where(Identity.id == identity_id).values(erased_at=now, updated_at=now))
    session.add(Erasure(identity_id=identity_id, erased_at=now, last_ended_at=last_ended, policy_days=days,
                        fields=sorted(set(fields)), actor=actor))
    session.flush()
    session.expire(identity)
    audit.record(session, clock=clock, actor=actor, action=ERASED_ACTION, subject_type="realname-identity",
                 subject_key=str(identity_id),
                 details={"fields": sorted(set(fields)), "policy_days": days, "last_ended_at": last_ended.isoformat()})
    return ERASED


def _table(name: str) -> Table:
    from telreg.core.migrate import import_all_models

    import_all_models()  # other contexts' tables are reached by name, as key rotation does (no ORM imports)
    return Base.metadata.tables[name]


def _erase_sealed(session: Session, vault: Vault, *, identity_id: int, index: str) -> list[str]:
    """Re-seal every sealed column of the identity's rows without its value (empty; NULL where allowed)."""
    erased: list[str] = []
    by_table: dict[str, list[SealedColumn]] = {}
    for sealed in sealed_columns():
        if sealed.table.name in ERASED_TABLES:
            by_table.setdefault(sealed.table.name, []).append(sealed)
    for name, columns in by_table.items():
        table = columns[0].table
        where = _rows_of(table, identity_id, index)
        for sealed in columns:
            column = table.c[sealed.column]
            if not session.scalar(select(exists().where(where, column.is_not(None)))):
                continue
            empty = None if column.nullable else vault.seal(sealed.field, "")
            session.execute(update(table).where(where, column.is_not(None)).values({sealed.column: empty}))
            erased.append(f"{name}.{sealed.column}")
    return erased


def _random_index(vault: Vault) -> str:
    return vault.blind_index(ERASED_KIND, secrets.token_hex(32))


def _erase_indexes(session: Session, vault: Vault, *, identity_id: int, index: str) -> list[str]:
    """Replace the blind indexes of the document by indexes of random values (one each: they stay unique)."""
    erased = ["realname_identities.document_index"]
    session.execute(update(Identity).where(Identity.id == identity_id)
                    .values(document_index=_random_index(vault)))
    flags = _table("realname_verification_flags")
    withdrawn = and_(flags.c.document_index == index, flags.c.withdrawn_at.is_not(None))
    for (flag_id,) in session.execute(select(flags.c.id).where(withdrawn)).all():
        session.execute(update(flags).where(flags.c.id == flag_id).values(document_index=_random_index(vault)))
        erased.append("realname_verification_flags.document_index")
    challenges = _table("realname_lookup_challenges")
    mine = or_(challenges.c.identity_id == identity_id, challenges.c.document_index == index)
    for (challenge_id,) in session.execute(select(challenges.c.id).where(mine)).all():
        session.execute(update(challenges).where(challenges.c.id == challenge_id)
                        .values(document_index=_random_index(vault)))
        erased.append("realname_lookup_challenges.document_index")
    return erased


def _erase_certificates(session: Session, *, identity_id: int, now: dt.datetime) -> list[str]:
    """Pseudonymise the identity's (expired or revoked) certificates and drop its applications' CSR and e-mail."""
    certificates, applications = _table("ecert_certificates"), _table("ecert_applications")
    subscriptions = _table("ecert_subscriptions")
    erased: list[str] = []
    mine = or_(certificates.c.identity_id == identity_id, certificates.c.authorised_person_id == identity_id)
    ids = list(session.scalars(select(certificates.c.id).where(mine)))
    if ids:
        session.execute(update(certificates).where(certificates.c.id.in_(ids))
                        .values(subject=f"pseudonym=erased-identity-{identity_id}", pseudonym=None))
        erased += ["ecert_certificates.subject", "ecert_certificates.pseudonym"]
        finished = or_(certificates.c.state == "revoked", certificates.c.not_after <= now)
        if session.execute(update(certificates).where(certificates.c.id.in_(ids), finished,
                                                      certificates.c.der.is_not(None))
                           .values(der=None)).rowcount:
            erased.append("ecert_certificates.der")
        if session.execute(update(subscriptions).where(subscriptions.c.certificate_id.in_(ids),
                                                       subscriptions.c.email.is_not(None))
                           .values(email=None)).rowcount:
            erased.append("ecert_subscriptions.email")
    applied = or_(applications.c.identity_id == identity_id, applications.c.authorised_person_id == identity_id)
    for column in ("csr_pem", "email"):
        if session.execute(update(applications).where(applied, applications.c[column].is_not(None))
                           .values({column: None})).rowcount:
            erased.append(f"ecert_applications.{column}")
    return erased


def run(session: Session, *, runtime: Runtime, batch: int = 500, actor: str = "worker",
        on_batch: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Erase every due identity, ``batch`` at a time, each in its own savepoint; return the counts.

    One identity that fails is logged and skipped (counted as ``failed``), never fatal to the run.
    ``on_batch(done, total)`` is called after each batch (the CLI's progress bar).
    """
    now = runtime.clock.now()
    days = retention_days(session, runtime.settings, clock=runtime.clock)
    counts = {ERASED: 0, HELD: 0, KEPT: 0, "failed": 0}
    held, live = Identity.id.in_(held_identities_subquery()), _live_certificate(now)
    erasable = _candidates(now, days).where(~held, ~live)
    total = session.scalar(select(func.count()).select_from(erasable.subquery())) or 0
    after, done = 0, 0
    while ids := [row[0] for row in session.execute(erasable.where(Identity.id > after).limit(batch))]:
        for identity_id in ids:
            try:
                with session.begin_nested():
                    outcome = erase(session, clock=runtime.clock, vault=runtime.vault, settings=runtime.settings,
                                    identity_id=identity_id, actor=actor)
                counts[ERASED] += outcome == ERASED  # held or registered meanwhile: counted below, or not due
            except Exception:
                log.exception("retention: erasing identity %s failed", identity_id,
                              extra={"event": "realname.retention.failed", "identity_id": identity_id})
                counts["failed"] += 1
        after, done = ids[-1], done + len(ids)
        if on_batch is not None:
            on_batch(done, total)
    for name, condition in ((HELD, held), (KEPT, and_(~held, live))):
        counts[name] = session.scalar(select(func.count()).select_from(
            _candidates(now, days).where(condition).subquery())) or 0
    return counts


def reclaim_sqlite_pages(engine: Engine) -> None:
    """On SQLite, rebuild the file and empty the write-ahead log, so erased values leave no old page behind.

    Run outside any transaction (after the erasures committed); a no-op on PostgreSQL, whose autovacuum
    reclaims dead row versions by itself. ``VACUUM`` cannot run inside a transaction, and the engine's sessions
    always begin one (BEGIN IMMEDIATE), hence the raw connection.
    """
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
