"""Released results: the records document, signed, encrypted under a data key the vault seals; single-use download.

The records document (``records.json``) follows ETSI TS 103 705's subscriber-data records where they fit; the
official schema is not reachable from here, so the element names below are telreg's national-profile spelling of
the standard's concepts (lowerCamelCase, as TS 103 705's JSON records use)::

    header                  task {objectIdentifier, reference (LDID), requestType}, authorisation {objectIdentifier,
                            reference, legalType, issuingAuthority}, agency, operator, window {start, end},
                            generatedAt, recordCount
    records[]               one SubscriberRecord per registration:
      subscriber            the holder: kind, name, dateOfBirth, address, identityDocument {type, number}
                            (opened from the vault)
      service               msisdn (E.164 digits), iccid (when the operator's numbering data gives it), operator
                            {code, name}, paymentType (prepaid | postpaid), line (mobile | fixed | data-only)
      registration          registeredAt, endedAt, endReason, registeredBy
      identityVerification  captureMethod, verifiedBy, checks (per party: capture, adapter, result — as recorded)
      guardian / agent / handler   the same details as the subscriber's, when the registration has them

Which registrations: **RegistrationHistory** — every registration matched in the window; **SubscriberData** — for
each number, the registration current at the end of the window (or, when none is, the last one to end in it): who
the subscriber was.

The document is signed (a detached CMS signature by the CA's document signer, ecert/signing.sign_bytes; ``signed``
says whether it was) and both are encrypted together with a fresh AES-256-GCM key (associated data: the task's
ObjectIdentifier), the key sealed by the vault (``la_results.key``). The result may be downloaded once, by the
officer who filed the authorisation, before ``expires_at``; downloading shreds it (key, nonce, ciphertext set to
NULL) in the same transaction, as expiry, cancellation and an emergency left unbacked do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock
from telreg.lawful import repository
from telreg.lawful.hi1.dictionaries import SUBSCRIBER_DATA
from telreg.lawful.models import Agency, Authorisation, Result, Task
from telreg.realname.identities import open_details
from telreg.realname.models import Identity, Number, Registration
from telreg.realname.policy.overrides import effective_policy
from telreg.runtime import Runtime

__all__ = ["KEY_FIELD", "build_result", "destroy", "open_result"]

KEY_FIELD = "la_results.key"
TASK_SUBJECT = "la-task"
FORMAT = "telreg-lawful-records/1"


def build_result(session: Session, *, runtime: Runtime, task: Task, authorisation: Authorisation,
                 release_event_id: int) -> Result:
    """Build, sign and encrypt the records of a released task; store the result (available until expiry)."""
    from telreg.ecert.signing import sign_bytes  # the CA's modules only when something is released

    now = runtime.clock.now()
    document = records_document(session, runtime=runtime, task=task, authorisation=authorisation, now=now)
    records = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8") + b"\n"
    signature = sign_bytes(records, settings=runtime.settings, clock=runtime.clock, what="records.json") or b""
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    plaintext = struct.pack(">I", len(records)) + records + signature
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(task))
    hours = effective_policy(session, runtime.settings, clock=runtime.clock).lawful_access.result_valid_hours
    return repository.add(session, Result(
        task_id=task.id, state="available", record_count=len(document["records"]),
        key_sealed=runtime.vault.seal_bytes(KEY_FIELD, key), nonce=nonce, ciphertext=ciphertext,
        content_sha256=hashlib.sha256(records).hexdigest(), signed=bool(signature),
        release_event_id=release_event_id, created_at=now, expires_at=now + dt.timedelta(hours=hours)))


def open_result(runtime: Runtime, *, task: Task, key_sealed: str, nonce: bytes,
                ciphertext: bytes) -> tuple[bytes, bytes | None]:
    """The records document and its signature (None when unsigned), decrypted."""
    key = runtime.vault.open_bytes(KEY_FIELD, key_sealed)
    plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(task))
    (length,) = struct.unpack(">I", plaintext[:4])
    records, signature = plaintext[4:4 + length], plaintext[4 + length:]
    return records, (signature or None)


def destroy(session: Session, *, clock: Clock, task: Task, reason: str, actor: str) -> bool:
    """Shred a task's available result (expired, cancelled, an emergency not backed); True when this call did."""
    result = repository.result_of(session, task.id)
    if result is None:
        return False
    state = "expired" if reason == "expired" else "destroyed"
    done = repository.set_where(session, Result, result.id, where={"state": "available"}, state=state,
                                key_sealed=None, nonce=None, ciphertext=None, destroyed_at=clock.now(),
                                destroyed_reason=reason)
    if done:
        audit.record(session, clock=clock, actor=actor, action="lawful-result-destroyed", subject_type=TASK_SUBJECT,
                     subject_key=task.object_id, details={"result": result.id, "reason": reason})
    return done


def _aad(task: Task) -> bytes:
    return f"la_results:{task.object_id}".encode()


# ---- the records document --------------------------------------------------------------------------------------


def records_document(session: Session, *, runtime: Runtime, task: Task, authorisation: Authorisation,
                     now: dt.datetime) -> dict[str, Any]:
    registrations = _selected(session, task)
    agency = session.get(Agency, authorisation.agency_id)
    operator = repository.operator(session, task.operator_id) if task.operator_id is not None else None
    return {
        "format": FORMAT,
        "header": {
            "task": {"objectIdentifier": task.object_id, "reference": task.reference,
                     "requestType": task.request_type},
            "authorisation": {"objectIdentifier": authorisation.object_id, "reference": authorisation.reference,
                              "legalType": authorisation.legal_type,
                              "issuingAuthority": authorisation.issuing_authority},
            "agency": agency.code if agency else None,
            "operator": operator.code if operator else None,
            "window": {"start": _iso(task.window_start), "end": _iso(task.window_end)},
            "generatedAt": _iso(now),
            "recordCount": len(registrations),
        },
        "records": [_record(session, runtime, r) for r in registrations],
    }


def _selected(session: Session, task: Task) -> list[Registration]:
    rows = repository.registrations(session, [r.registration_id for r in repository.task_records(session, task.id)])
    if task.request_type != SUBSCRIBER_DATA:
        return rows
    latest: dict[int, Registration] = {}
    for row in rows:  # ordered by registered_at: the last one per number is the one current at the window's end
        latest[row.number_id] = row
    return sorted(latest.values(), key=lambda r: (r.registered_at, r.id))


def _record(session: Session, runtime: Runtime, registration: Registration) -> dict[str, Any]:
    number = session.get(Number, registration.number_id)
    operator = repository.operator(session, registration.operator_id)
    record: dict[str, Any] = {
        "recordType": "SubscriberRecord",
        "subscriber": _party(session, runtime, registration.holder_id),
        "service": {
            "msisdn": f"852{number.number}" if number else None,
            "iccid": number.iccid if number else None,
            "operator": {"code": operator.code, "name": operator.name},
            "paymentType": number.service if number else None,
            "line": number.line if number else None,
        },
        "registration": {
            "registeredAt": _iso(registration.registered_at),
            "endedAt": _iso(registration.ended_at),
            "endReason": registration.end_reason,
            "registeredBy": registration.registered_by,
        },
        "identityVerification": {
            "captureMethod": registration.capture_method,
            "verifiedBy": registration.verified_by,
            "checks": registration.checks,
        },
    }
    for role, identity_id in (("guardian", registration.guardian_id), ("agent", registration.agent_id),
                              ("handler", registration.handler_id)):
        if identity_id is not None:
            record[role] = _party(session, runtime, identity_id)
    return record


def _party(session: Session, runtime: Runtime, identity_id: int) -> dict[str, Any]:
    identity = session.get(Identity, identity_id)
    assert identity is not None, f"identity {identity_id} is referenced but missing"
    clear = open_details(runtime.vault, identity)
    return {
        "kind": clear["kind"],
        "name": clear["name"],
        "dateOfBirth": clear["date_of_birth"].isoformat() if clear["date_of_birth"] else None,
        "address": clear["address"],
        "identityDocument": {"type": clear["doc_type"], "number": clear["document"]},
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value is not None else None
