"""Development-only endpoints: script the demo's telephone and fax lines, read what was sent on them, and read
the development inbox (the mails the SMTP sink of `telreg serve` received, ``telreg.core.dev_inbox``).

A busy fax line is retried about fifteen minutes later (seed 004 Q3.5), an unanswered callback likewise
(Q3.2); in a running demo (`make run`) these routes make that happen on demand, because every process of
`telreg serve --with-worker` — the public workers and the job worker — keeps the demo lines in the run's shared
directory (``telreg.core.dev_share``).

In production the routes do not exist (404, the same answer as any unknown address); with other adapters than
the demo ones (``TELREG_TELEPHONY_ADAPTER=fake``) they answer 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from telreg.core.access import DEVELOPMENT, declares
from telreg.core.dev_inbox import what_was_sent
from telreg.core.errors import Conflict
from telreg.core.i18n import N_
from telreg.core.notify import DemoLines, shared_demo_lines
from telreg.core.phone import parse_number
from telreg.deps import RuntimeDep

__all__ = ["router"]

MAX_SCRIPTED = 20  # outcomes per list in one request: a demo needs a handful


@declares(DEVELOPMENT)
def _not_production(runtime: RuntimeDep) -> None:
    if runtime.settings.is_production:
        # Indistinguishable from an unknown address: the app's handler renders the same 404 document.
        raise StarletteHTTPException(status_code=404)


@declares(DEVELOPMENT)
def _demo_lines(runtime: RuntimeDep) -> DemoLines:
    _not_production(runtime)
    lines = shared_demo_lines(runtime.telephony, runtime.fax)
    if lines is None:
        adapter = runtime.settings.telephony_adapter
        raise Conflict(N_(
            "Lines can be scripted only with the demo telephony and fax adapters "
            "(TELREG_TELEPHONY_ADAPTER=logging or demo); this server uses '%(adapter)s'."), adapter=adapter)
    return lines


Lines = Annotated[DemoLines, Depends(_demo_lines)]
router = APIRouter(prefix="/api/v1/dev", tags=["development"],
                   responses={409: {"description": "conflict: the server does not use the demo adapters"}})


class LineScript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call: list[str] = Field(
        default_factory=list, max_length=MAX_SCRIPTED,
        description="Outcomes of the next calls to the number, in order: confirmed|declined|no_answer|busy",
    )
    fax: list[str] = Field(
        default_factory=list, max_length=MAX_SCRIPTED,
        description="Outcomes of the next faxes to the number, in order: delivered|busy|failed",
    )


class LineQueues(BaseModel):
    number: str
    call: list[str]
    fax: list[str]


class LineEventOut(BaseModel):
    at: dt.datetime
    kind: str
    number: str
    text: str
    outcome: str | None
    scripted: bool


class LinesOut(BaseModel):
    scripted: list[LineQueues]
    recent: list[LineEventOut]


def _queues(lines: DemoLines, number: str) -> LineQueues:
    return LineQueues(number=number, **lines.scripted(number)[number])


@router.post("/lines/{number}")
def script_line(number: str, body: LineScript, lines: Lines) -> LineQueues:
    """Queue outcomes for the next calls and faxes to a number (after what is already queued).

    Unscripted, a call is confirmed and a fax delivered. Example: `{"fax": ["busy"]}` makes the next fax to
    the number find the line busy; the code is faxed again about 15 minutes later.
    """
    national = parse_number(number).national
    lines.script(national, calls=body.call, faxes=body.fax)
    return _queues(lines, national)


@router.get("/lines")
def list_lines(
    lines: Lines, limit: Annotated[int, Query(ge=1, le=500, description="Most recent events to return")] = 50,
) -> LinesOut:
    """List the outcomes still queued per number, and the calls, faxes and SMS made, newest first."""
    return LinesOut(
        scripted=[LineQueues(number=n, **q) for n, q in lines.scripted().items()],
        recent=[LineEventOut(at=e.at, kind=e.kind, number=e.number, text=e.text, outcome=e.outcome,
                             scripted=e.scripted) for e in lines.recent(limit)],
    )


@router.delete("/lines/{number}", status_code=204)
def clear_line(number: str, lines: Lines) -> Response:
    """Forget what is queued for a number: its calls are confirmed and its faxes delivered again."""
    lines.clear(parse_number(number).national)
    return Response(status_code=204)


class InboxMailOut(BaseModel):
    received_at: dt.datetime
    sender: str
    to: list[str]
    subject: str
    text: str


class InboxOut(BaseModel):
    mails: list[InboxMailOut]
    lines: list[LineEventOut]


@router.get("/inbox", dependencies=[Depends(_not_production)])
def read_inbox(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Most recent mails (and events) to return")] = 100,
) -> InboxOut:
    """List the mails the development SMTP sink received and the SMS, calls and faxes the demo adapters made,
    each newest first (the lines are empty when the server does not use the demo adapters)."""
    mails, events = what_was_sent(runtime, limit=limit)
    return InboxOut(
        mails=[InboxMailOut(received_at=m.received_at, sender=m.sender, to=list(m.to), subject=m.subject,
                            text=m.text) for m in mails],
        lines=[LineEventOut(at=e.at, kind=e.kind, number=e.number, text=e.text, outcome=e.outcome,
                            scripted=e.scripted) for e in events],
    )
