"""The requesting officer's single-use download of a released result: a zip with the records, their signature and
a receipt that proves the release in the audit log.

    records.json        the records document (results.py)
    records.json.p7s    its detached CMS signature, when the CA signed it
    receipt.json        result id, task and authorisation references, the records' SHA-256, who downloaded it and
                        when, and the release's audit event with its inclusion proof (leaf index, tree size, leaf
                        hash, audit path, root, all hex) and the signed checkpoint note it is proved against
    README.txt          how to check all of it

The release event must be covered by a checkpoint. The integrator is run **inside this transaction**, before
anything is written (on PostgreSQL it takes its advisory lock; on SQLite this transaction is already the one
writer): running it in a transaction of its own would wait on SQLite for the writer lock the caller's session may
already hold. Then the result row is locked and changed by a conditional UPDATE (available → downloaded, key,
nonce and ciphertext set to NULL) before any content is returned: of two downloads at once, exactly one gets it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.errors import PermissionDenied
from telreg.core.i18n import EN, N_, ZH_HANS, ZH_HANT, format_message
from telreg.core.models import User
from telreg.core.tlog import service as tlog
from telreg.core.tlog.errors import AuditEntryNotFound
from telreg.core.tlog.integrator import integrate
from telreg.core.tlog.keys import log_signer
from telreg.lawful import repository
from telreg.lawful.errors import ObjectNotFound, ResultUnavailable
from telreg.lawful.models import Authorisation, Result
from telreg.lawful.results import TASK_SUBJECT, open_result
from telreg.lawful.views import ResultDownload
from telreg.runtime import Runtime

__all__ = ["download_result"]

README = N_("""This archive is the result of a lawful-access request, released by telreg. It was available for one
download only; telreg has destroyed its copy.

records.json      the registration records released (ETSI TS 103 705 subscriber-data shape)
records.json.p7s  a detached CMS signature of records.json by the platform's document-signing certificate (absent
                  when no CA existed at the release). Check it with:
                      openssl cms -verify -binary -inform DER -in records.json.p7s -content records.json \\
                          -CAfile root.pem -out /dev/null
receipt.json      the SHA-256 of records.json, and the release's audit event with its inclusion proof in the
                  platform's audit log: recompute the root from leaf_hash and path (RFC 9162, section 2.1.3.2) and
                  compare it with the root of the signed checkpoint note, whose signature verifies with the audit
                  log's public key.""")


def download_result(session: Session, *, runtime: Runtime, user: User, task_object_id: str) -> ResultDownload:
    """Return the zip once; ResultUnavailable when downloaded already, expired or destroyed."""
    agency_code = user.agency_code or ""
    agency = repository.agency_by_code(session, agency_code) if agency_code else None
    task = repository.task_of_agency(session, task_object_id, agency.id) if agency is not None else None
    if task is None:
        raise ObjectNotFound(N_("There is no object %(object_id)s of your agency."), object_id=task_object_id)
    authorisation = session.get(Authorisation, task.authorisation_id)
    assert authorisation is not None
    if authorisation.filed_by != user.username:
        raise PermissionDenied(N_("Only the officer who filed authorisation %(reference)s may download its "
                                  "results."), reference=authorisation.reference)
    found = repository.result_of(session, task.id)
    if found is None:
        raise ResultUnavailable(N_("Task %(reference)s has no result to download."), reference=task.reference)
    proof = _proof(session, runtime, found.release_event_id)
    result = repository.result_of(session, task.id, for_update=True)
    assert result is not None
    _ensure_available(runtime, result, task.reference)
    key_sealed, nonce, ciphertext = result.key_sealed, result.nonce, result.ciphertext
    assert key_sealed is not None and nonce is not None and ciphertext is not None
    now = runtime.clock.now()
    if not repository.set_where(session, Result, result.id, where={"state": "available"}, state="downloaded",
                                downloaded_at=now, downloaded_by=user.username, key_sealed=None, nonce=None,
                                ciphertext=None, destroyed_at=now, destroyed_reason="downloaded"):
        raise _used(task.reference)
    records, signature = open_result(runtime, task=task, key_sealed=key_sealed, nonce=bytes(nonce),
                                     ciphertext=bytes(ciphertext))
    receipt = {
        "result": result.id,
        "task": {"objectIdentifier": task.object_id, "reference": task.reference},
        "authorisation": {"objectIdentifier": authorisation.object_id, "reference": authorisation.reference},
        "records_sha256": hashlib.sha256(records).hexdigest(),
        "signed": signature is not None,
        "downloaded_by": user.username,
        "downloaded_at": now.isoformat(),
        "release_event": proof,
    }
    audit.record(session, clock=runtime.clock, actor=user.username, action="lawful-result-downloaded",
                 subject_type=TASK_SUBJECT, subject_key=task.object_id,
                 details={"result": result.id, "records_sha256": receipt["records_sha256"]})
    return ResultDownload(filename=f"lawful-result-{_safe(task.reference)}.zip",
                          content=_zip(records, signature, receipt))


def _proof(session: Session, runtime: Runtime, event_id: int) -> dict[str, Any]:
    try:
        proof = tlog.prove(session, event_id=event_id)
    except AuditEntryNotFound:
        integrate(session, clock=runtime.clock, signer=log_signer(runtime.settings),
                  origin=runtime.settings.audit_log_origin)
        proof = tlog.prove(session, event_id=event_id)
    return {"event_id": proof.event_id, "leaf_index": proof.leaf_index, "tree_size": proof.tree_size,
            "leaf_hash": proof.leaf_hash.hex(), "path": [h.hex() for h in proof.path], "root": proof.root.hex(),
            "checkpoint": proof.checkpoint}


def _ensure_available(runtime: Runtime, result: Result, reference: str) -> None:
    if result.state == "downloaded":
        raise _used(reference)
    if result.state == "expired" or (result.state == "available" and runtime.clock.now() >= result.expires_at):
        raise ResultUnavailable(N_("The result of task %(reference)s expired on %(expired)s and can no longer be "
                                   "downloaded."), reference=reference, expired=result.expires_at.isoformat())
    if result.state != "available" or result.key_sealed is None:
        raise ResultUnavailable(N_("The result of task %(reference)s was destroyed and can no longer be "
                                   "downloaded."), reference=reference, reason=result.destroyed_reason)


def _used(reference: str) -> ResultUnavailable:
    return ResultUnavailable(N_("The result of task %(reference)s was downloaded already: a result can be "
                                "downloaded once only."), reference=reference)


def _zip(records: bytes, signature: bytes | None, receipt: dict[str, Any]) -> bytes:
    readme = "\n\n".join(dict.fromkeys(format_message(lang, README) for lang in (EN, ZH_HANT, ZH_HANS)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("records.json", records)
        if signature is not None:
            archive.writestr("records.json.p7s", signature)
        archive.writestr("receipt.json", json.dumps(receipt, ensure_ascii=False, indent=2) + "\n")
        archive.writestr("README.txt", readme + "\n")
    return out.getvalue()


def _safe(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", reference)[:80] or "task"
