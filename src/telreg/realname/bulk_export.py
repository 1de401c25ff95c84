"""An operator's registration records as one CSV file, under the two-person rule (vault mode, seed 003).

Two kinds of operation (core/dual_control.py), both scoped to the operator and asked for and approved by two
different compliance officers of that operator (``operator-compliance``; an administrator does not stand in):

* ``bulk-export`` — the masked file: number, service, line, state, registered and ended, the holder's document
  type and masked document number, masked name;
* ``bulk-unmask`` — the same with the holder's full name, document number and date of birth opened from the vault.

The file is written by whoever asked for it (the requester runs it), from set-based reads in primary-key batches
of plain rows (never one ORM object per registration: an operator holds millions), and the export is audited with
its row count — never with a value from the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core import audit, dual_control
from telreg.core.clock import Clock, hk_iso
from telreg.core.errors import InvalidInput, NotFound
from telreg.core.i18n import N_
from telreg.core.masking import mask_document, mask_name
from telreg.core.models import User
from telreg.core.users import COMPLIANCE_ROLE
from telreg.core.vault import Vault
from telreg.realname.identities import SEALED_FIELDS
from telreg.realname.models import Identity, Number, Operator, Registration

__all__ = ["EXPORT", "MASKED_COLUMNS", "UNMASK", "UNMASKED_COLUMNS", "count_rows", "export_csv", "rows", "run_export"]

EXPORT, UNMASK = "bulk-export", "bulk-unmask"
MASKED_COLUMNS = ("number", "service", "line", "state", "registered_at", "ended_at", "document_type",
                  "document_masked", "name_masked")
UNMASKED_COLUMNS = (*MASKED_COLUMNS, "name", "document", "date_of_birth")
BATCH = 2000
COMPLIANCE = frozenset({COMPLIANCE_ROLE})


def _operator_param(params: dict[str, Any], scope: str | None) -> dict[str, Any]:
    unknown = sorted(set(params) - {"operator"})
    if unknown:
        raise InvalidInput(N_("Unknown parameter(s) %(unknown)s; this operation takes %(known)s."),
                           unknown=", ".join(unknown), known="operator")
    operator = str(params.get("operator") or scope or "").strip()
    if scope is not None and operator != scope:
        raise InvalidInput(N_("The export is of operator %(operator)s, but the request is for %(scope)s."),
                           operator=operator, scope=scope)
    return {"operator": operator}


def _describe(unmasked: bool) -> Callable[[Mapping[str, Any], str | None], str]:
    def describe(params: Mapping[str, Any], scope: str | None) -> str:
        what = "with full names, document numbers and dates of birth" if unmasked else "masked"
        return f"Export every registration record of operator {params['operator']} as CSV, {what}"

    return describe


def _web_run(unmasked: bool) -> Callable[..., tuple[str, bytes]]:
    def run(session: Session, runtime: Any, user: User, request_id: int) -> tuple[str, bytes]:
        approval = dual_control.get_request(session, request_id)
        operator = approval.scope or ""
        _, text = run_export(session, clock=runtime.clock, vault=runtime.vault, user=user, request_id=request_id,
                             operator_code=operator, unmasked=unmasked)
        suffix = "-unmasked" if unmasked else ""
        return f"registrations-{operator}{suffix}-{request_id}.csv", (text or "").encode("utf-8")

    return run


for _kind, _unmasked in ((EXPORT, False), (UNMASK, True)):
    dual_control.register_kind(_kind, approver_roles=COMPLIANCE, requester_roles=COMPLIANCE,
                               describe=_describe(_unmasked), scoped=True, check_params=_operator_param,
                               param_names=(), web_run=_web_run(_unmasked))


def rows(session: Session, *, vault: Vault, operator_id: int, unmasked: bool,
         batch_size: int = BATCH) -> Iterator[list[list[str]]]:
    """Yield the operator's registrations as CSV rows, one batch (a keyset page of plain rows) at a time."""
    columns = [Registration.id, Number.number, Number.service, Number.line, Number.state,
               Registration.registered_at, Registration.ended_at, Identity.doc_type, Identity.document_sealed,
               Identity.name_sealed, Identity.date_of_birth_sealed]
    last = 0
    while True:
        page = session.execute(
            select(*columns)
            .join(Number, Number.id == Registration.number_id)
            .join(Identity, Identity.id == Registration.holder_id)
            .where(Registration.operator_id == operator_id, Registration.id > last)
            .order_by(Registration.id).limit(batch_size)).all()
        if not page:
            return
        last = page[-1][0]
        out = []
        for (_, number, service, line, state, registered_at, ended_at, doc_type, document_sealed, name_sealed,
             born_sealed) in page:
            document = vault.open(SEALED_FIELDS["document"], document_sealed)
            name = vault.open(SEALED_FIELDS["name"], name_sealed)
            row = [number, service, line, state, hk_iso(registered_at), hk_iso(ended_at) if ended_at else "",
                   doc_type, mask_document(doc_type, document), mask_name(name)]
            if unmasked:
                born = vault.open(SEALED_FIELDS["date_of_birth"], born_sealed) if born_sealed else ""
                row += [name, document, born]
            out.append(row)
        yield out


def export_csv(session: Session, *, vault: Vault, operator_id: int, unmasked: bool, out: TextIO,
               on_batch: Callable[[int], None] | None = None, batch_size: int = BATCH) -> int:
    """Write the header and every row to OUT (streamed batch by batch); return how many rows were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UNMASKED_COLUMNS if unmasked else MASKED_COLUMNS)
    count = 0
    for batch in rows(session, vault=vault, operator_id=operator_id, unmasked=unmasked, batch_size=batch_size):
        writer.writerows(batch)
        count += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    return count


def count_rows(session: Session, *, operator_code: str) -> int:
    """How many registrations the export of this operator will hold (for a progress bar)."""
    from sqlalchemy import func

    operator = _operator(session, operator_code)
    return session.scalar(select(func.count(Registration.id)).where(Registration.operator_id == operator.id)) or 0


def _operator(session: Session, code: str) -> Operator:
    operator = session.scalar(select(Operator).where(Operator.code == code))
    if operator is None:
        raise NotFound(N_("There is no operator with the code %(code)s."), code=code)
    return operator


def run_export(session: Session, *, clock: Clock, vault: Vault, user: User, request_id: int, operator_code: str,
               unmasked: bool, out: TextIO | None = None,
               on_batch: Callable[[int], None] | None = None) -> tuple[int, str | None]:
    """Use the approval and write the export: to OUT when given, else returned as text. Return (rows, text).

    Run it in one transaction with the writing: a failure rolls the approval back to unused.
    """
    kind = UNMASK if unmasked else EXPORT
    operator = _operator(session, operator_code)
    approval = dual_control.consume(session, clock=clock, request_id=request_id, kind=kind,
                                    params={"operator": operator_code}, user=user, scope=operator_code)
    target = out if out is not None else io.StringIO()
    count = export_csv(session, vault=vault, operator_id=operator.id, unmasked=unmasked, out=target,
                       on_batch=on_batch)
    audit.record(session, clock=clock, actor=f"staff:{user.username}", action="realname-bulk-exported",
                 subject_type="realname_operator", subject_key=operator_code,
                 details={"kind": kind, "rows": count, "approval": approval.id, "approved_by": approval.decided_by})
    return count, (target.getvalue() if isinstance(target, io.StringIO) and out is None else None)
