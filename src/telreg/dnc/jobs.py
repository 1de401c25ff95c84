"""Job handlers of the do-not-call context: hotline callbacks and faxed authentication codes.

Work that falls due during the nightly update window is put off until just after it, without counting as an
attempt: a confirmed callback could not change the registers then, and a code faxed then could not be keyed.
Status enquiries change nothing and go ahead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from telreg.core import jobs
from telreg.core.jobs import RetryLater, handler
from telreg.dnc import service, verification
from telreg.dnc.ivr import signing

if TYPE_CHECKING:
    from telreg.runtime import Runtime

AFTER_WINDOW = dt.timedelta(minutes=1)


def _defer_past_window(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    now = runtime.clock.now()
    if not service.in_update_window(now, runtime.settings):
        return
    v = verification.get_verification(session, int(payload["verification_id"]))
    if v is not None and v.action == "status":
        return
    reopen = now + dt.timedelta(seconds=service.seconds_until_window_closes(now, runtime.settings))
    raise RetryLater(reopen + AFTER_WINDOW, "registers are being updated", counts_as_attempt=False)


@handler(verification.CALLBACK_JOB)
def callback(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Call a keyed number back and ask the person who answers to confirm."""
    _defer_past_window(session, runtime, payload)
    verification.attempt_callback(
        session, clock=runtime.clock, settings=runtime.settings, telephony=runtime.telephony,
        verification_id=int(payload["verification_id"]), attempt=int(payload["attempt"]), lang=payload.get("lang"),
    )


@handler(verification.FAX_CODE_JOB)
def fax_code(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    """Fax a one-time authentication code to a keyed fax number."""
    _defer_past_window(session, runtime, payload)
    verification.send_fax_code(
        session, clock=runtime.clock, settings=runtime.settings, fax=runtime.fax,
        verification_id=int(payload["verification_id"]), attempt=int(payload["attempt"]), lang=payload.get("lang"),
    )


FORGET_SIGNATURES_JOB = "ivr.forget-signatures"


@jobs.recurring(FORGET_SIGNATURES_JOB)
def schedule_forget_signatures(session: Session, runtime: Runtime) -> None:
    """Once an hour: forget the IVR webhook signatures whose replay window has closed."""
    hour = runtime.clock.now().strftime("%Y-%m-%dT%H")
    jobs.enqueue(session, clock=runtime.clock, kind=FORGET_SIGNATURES_JOB, payload={"hour": hour},
                 unique_key=f"{FORGET_SIGNATURES_JOB}:{hour}")


@handler(FORGET_SIGNATURES_JOB)
def forget_signatures(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    signing.forget_expired(session, now=runtime.clock.now())
