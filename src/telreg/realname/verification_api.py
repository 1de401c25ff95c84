"""HTTP API of identity verification: the regulator's verification register, and online checks for staff.

The register (role ``regulator``; administrators pass every role check; changes send ``X-CSRF-Token``):

- ``POST /api/v1/realname/verification/flags`` loads flags, either a CSV file uploaded as multipart field
  ``file`` (header ``doc_type,number,result,reason[,owner_name]``) or JSON ``{"rows": [{"doc_type", "number",
  "result", "reason", "owner_name"?}]}``. All or nothing: any bad line gives 422 ``invalid_input`` with
  ``problems`` ``[{"line"|"row": n, "message"}]`` and nothing is loaded.
- ``GET /api/v1/realname/verification/flags[?include_withdrawn=true]`` lists them, numbers and names masked.
- ``DELETE /api/v1/realname/verification/flags/{id}`` withdraws one: the document is no longer refused.

``POST /api/v1/realname/verification/checks`` (operators' staff) verifies a document online and, when
verified, answers with the capture proof to send as ``document.proof`` with capture ``online_verification``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile

from telreg.core.access import Access, declares
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.core.users import require_role
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import verification_checks, verification_register
from telreg.realname.api import STAFF_CHANGE, OperatorStaff
from telreg.realname.schemas import parse_request
from telreg.realname.verification import verifier_for
from telreg.realname.verification_schemas import (
    DocumentCheckIn,
    DocumentCheckOut,
    FlagOut,
    FlagRowIn,
    FlagRowsIn,
    LoadOut,
)

__all__ = ["REGULATOR_ROLE", "router"]

REGULATOR_ROLE = "regulator"
router = APIRouter(prefix="/api/v1/realname/verification", tags=["identity verification"])


@declares(Access.staff(REGULATOR_ROLE, "admin"))
def _regulator(user: CurrentUser) -> User:
    require_role(user, REGULATOR_ROLE)
    return user


Regulator = Annotated[User, Depends(_regulator)]
REGULATOR_CHANGE = [Depends(_regulator), CsrfChecked]  # the role before CSRF: not signed in hears 401


@dataclass(frozen=True)
class _Upload:
    """A load as sent: a CSV file's bytes, or JSON rows."""

    source: str
    content: bytes | None = None
    rows: FlagRowsIn | None = None


async def _upload(request: Request, runtime: RuntimeDep) -> _Upload:
    # One endpoint takes a file or JSON, so the body is read here (the handler itself stays synchronous).
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        limit = runtime.settings.max_upload_bytes
        # One file, a few fields: a body of a thousand parts is refused by the parser, not spooled.
        form = await request.form(max_files=1, max_fields=16)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput(N_("Send the CSV file as the multipart field 'file'."), field="file")
        # Read in chunks and only to one byte past the limit (load_csv then says "too large").
        content = bytearray()
        while len(content) <= limit and (chunk := await file.read(min(64 * 1024, limit + 1 - len(content)))):
            content += chunk
        return _Upload(source=file.filename or "upload.csv", content=bytes(content))
    try:
        data = await request.json()
    except ValueError:
        raise InvalidInput(
            N_("Send a CSV file (multipart field 'file') or JSON {\"rows\": [...]}.")) from None
    return _Upload(source=N_("the request"), rows=parse_request(FlagRowsIn, data, source=N_("the request")))


def _rows_schema() -> dict[str, Any]:
    # Inlined: the JSON body is read by hand (_upload), so FastAPI lists no component for it to refer to.
    schema = FlagRowsIn.model_json_schema()
    schema.pop("$defs", None)
    schema["properties"]["rows"]["items"] = FlagRowIn.model_json_schema()
    return schema


_LOAD_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "CSV with header doc_type,number,result,reason[,owner_name]"}}}},
    "application/json": {"schema": _rows_schema()},
}}}


@router.post("/flags", dependencies=REGULATOR_CHANGE, response_model=LoadOut, status_code=201,
             openapi_extra=_LOAD_BODY,
             responses={422: {"description": "invalid_input: every problem with its line (file) or row "
                                             "(JSON); nothing loaded"}})
def load_flags(upload: Annotated[_Upload, Depends(_upload)], session: DbSession, runtime: RuntimeDep,
               officer: Regulator) -> Any:
    """Load documents flagged forged, lost or impostor into the register: all, or on any problem none."""
    actor = f"officer:{officer.username}"
    if upload.rows is not None:
        outcome = verification_register.load_rows(
            session, vault=runtime.vault, clock=runtime.clock, actor=actor, source=upload.source,
            rows=[row.model_dump() for row in upload.rows.rows])
    else:
        outcome = verification_register.load_csv(
            session, vault=runtime.vault, clock=runtime.clock, content=upload.content or b"", actor=actor,
            max_bytes=runtime.settings.max_upload_bytes, source=upload.source)
    return outcome.as_dict()


@router.get("/flags", response_model=list[FlagOut])
def list_flags(session: DbSession, runtime: RuntimeDep, officer: Regulator,
               include_withdrawn: Annotated[bool, Query(description="Also the withdrawn flags")] = False,
               ) -> Any:
    """The register's flags, newest first; document numbers and owners' names masked."""
    return verification_register.list_flags(session, vault=runtime.vault, include_withdrawn=include_withdrawn)


@router.delete("/flags/{flag_id}", dependencies=REGULATOR_CHANGE, response_model=FlagOut,
               responses={404: {"description": "unknown_flag"}, 409: {"description": "flag_withdrawn"}})
def withdraw_flag(flag_id: int, session: DbSession, runtime: RuntimeDep, officer: Regulator) -> Any:
    """Withdraw a flag: registrations with the document are no longer refused by the register."""
    flag = verification_register.withdraw_flag(session, clock=runtime.clock, flag_id=flag_id,
                                               actor=f"officer:{officer.username}")
    return verification_register.flag_view(runtime.vault, flag)


@router.post("/checks", dependencies=STAFF_CHANGE, response_model=DocumentCheckOut)
def check_document_online(body: DocumentCheckIn, session: DbSession, runtime: RuntimeDep,
                          staff: OperatorStaff) -> Any:
    """Verify a document online (联网核验); when verified, the answer's ``proof`` goes with the
    registration as ``document.proof`` (capture ``online_verification``), good for 30 minutes."""
    return verification_checks.check_online(
        session, vault=runtime.vault, clock=runtime.clock, verifier=verifier_for(runtime),
        doc_type=body.document.type, number=body.document.number, name=body.name,
        date_of_birth=body.date_of_birth, actor=f"staff:{staff.username}")
