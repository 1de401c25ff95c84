"""The IVR webhook: the telephony platform posts each call event and plays back what it is told to say."""

from __future__ import annotations

from fastapi import APIRouter

from telreg.deps import DbSession, RuntimeDep
from telreg.dnc.ivr.engine import Turn, handle_turn
from telreg.dnc.ivr.schemas import IvrReply, IvrTurn

router = APIRouter(prefix="/api/v1/ivr", tags=["do-not-call hotlines"])


@router.post("/turn", response_model=IvrReply)
def turn(body: IvrTurn, session: DbSession, runtime: RuntimeDep) -> IvrReply:
    """Answer one event of a hotline call.

    The platform sends `start` when a call arrives (with `line` and the network's `caller_id`, null when
    withheld), `keys` with the keys pressed, `timeout` when the caller keyed nothing, and `hangup`. `seq` numbers
    the events of a call: an event re-delivered with an already answered `seq` gets the same reply and changes
    nothing; an older `seq` is refused (409 `turn_rejected`).

    The reply says what to play (`say`, in the caller's language; `prompt` holds both Cantonese and English),
    what to collect next (`expect`: `digits` between `min` and `max` keys, or `none`), and whether to hang up
    after playing it (`end`). Lines: `sms`, `prerecorded`, `fax` (registration hotlines) and `fax-confirm` (key a
    faxed authentication code). Errors: 404 `unknown_line`, 404 `unknown_call` (an event before `start`),
    409 `turn_rejected`, 422 `invalid_input`.
    """
    reply = handle_turn(
        session, clock=runtime.clock, settings=runtime.settings,
        turn=Turn(call_id=body.call_id, line=body.line, event=body.event, seq=body.seq, caller_id=body.caller_id,
                  keys=body.keys, lang=body.lang),
    )
    return IvrReply.model_validate(reply.as_dict())
