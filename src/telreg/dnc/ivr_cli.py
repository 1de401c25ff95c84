"""`telreg ivr`: play a whole hotline call in the terminal, through the same engine the webhook uses.

Each line typed is one turn: the keys pressed; a blank line is silence (a timeout); ``q`` (or end of input) hangs
up. When the call has asked for a callback or a code fax, the due jobs run right here through the runtime's
telephony and fax adapters, so the whole flow can be played from one terminal. With ``--as-of`` the clock is
frozen, and the simulator moves it forward to each later attempt (15 minutes on) instead of waiting.
"""

from __future__ import annotations

import dataclasses
import sys
import uuid
from typing import Annotated

import typer

from telreg.core import jobs
from telreg.core.cli_support import AsOfOption, runtime, session_scope
from telreg.core.clock import HK, FixedClock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.job_handlers import load_handlers
from telreg.core.notify import CallOutcome, FaxOutcome, FaxSender, Telephony
from telreg.dnc import verification
from telreg.dnc.ivr import store
from telreg.dnc.ivr.engine import Reply, Turn, handle_turn
from telreg.dnc.ivr.lines import FAX_CONFIRM_NUMBER
from telreg.dnc.ivr.prompts import LANGUAGES
from telreg.runtime import Runtime

DNC_JOBS = [verification.CALLBACK_JOB, verification.FAX_CODE_JOB]
MAX_FOLLOW_UPS = 20  # attempts are bounded by settings; this only guards against a misbehaving adapter


def register(app: typer.Typer) -> None:
    """Add `telreg ivr` to the root command."""
    app.command("ivr")(ivr)


def ivr(
    line: Annotated[str, typer.Option("--line", help="sms | prerecorded | fax | fax-confirm")],
    caller_id: Annotated[str | None, typer.Option("--caller-id", help="The number the network shows (omit: "
                                                  "withheld)")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="yue | en: skip the language menu")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Play a hotline call: type keys and Enter; a blank line is silence; q hangs up."""
    if lang is not None and lang not in LANGUAGES:
        raise InvalidInput(N_("--lang '%(lang)s': choose yue (Cantonese) or en (English)."), lang=lang)
    rt = runtime(as_of)
    load_handlers()
    call_id = f"terminal-{uuid.uuid4().hex[:12]}"
    seq = 0
    reply = _turn(rt, Turn(call_id, line, "start", seq, caller_id=caller_id, lang=lang))
    while True:
        _show(reply)
        if reply.end:
            break
        typer.echo("keys> ", nl=False)
        typed = sys.stdin.readline()
        seq += 1
        keys = typed.strip().replace(" ", "")
        if not typed or keys.lower() == "q":
            _turn(rt, Turn(call_id, line, "hangup", seq))
            typer.echo("(you hung up)")
            break
        reply = _turn(rt, Turn(call_id, line, "keys" if keys else "timeout", seq, keys=keys or None))
    _follow_up(rt, call_id)


def _turn(rt: Runtime, turn: Turn) -> Reply:
    with session_scope(rt) as session:
        return handle_turn(session, clock=rt.clock, settings=rt.settings, turn=turn)


def _show(reply: Reply) -> None:
    typer.echo(f"[{reply.state}] {reply.say}")
    if reply.end:
        typer.echo("(the line hangs up)")


def _follow_up(rt: Runtime, call_id: str) -> None:
    """Run the callback or fax jobs the call asked for, until its verification is settled or waits for a code."""
    with session_scope(rt) as session:
        call = store.get_call(session, call_id)
        verification_id = call.context.get("verification_id") if call else None
    if verification_id is None:
        return
    echoing = dataclasses.replace(rt, telephony=_EchoTelephony(rt.telephony), fax=_EchoFax(rt.fax))
    for _ in range(MAX_FOLLOW_UPS):
        with session_scope(rt) as session:
            v = verification.get_verification(session, verification_id)
            assert v is not None
            state, method, outcome, code_sent = v.state, v.method, v.outcome, v.code_hash is not None
            job = next((j for j in jobs.pending(session) if j.kind in DNC_JOBS
                        and j.payload.get("verification_id") == verification_id), None)
            run_at = job.run_at if job else None
        if state != "pending":
            typer.echo(f"(request {verification_id}: {state} — {outcome})")
            return
        if run_at is None:
            if method == "fax-code" and code_sent:
                typer.echo(f"(now call the confirmation line {FAX_CONFIRM_NUMBER}: telreg ivr --line fax-confirm)")
            return
        if run_at > rt.clock.now():
            if not isinstance(rt.clock, FixedClock):
                typer.echo(f"(next attempt at {run_at.astimezone(HK):%H:%M}; `telreg worker` will make it)")
                return
            rt.clock.set(run_at)
            typer.echo(f"(… the time is now {run_at.astimezone(HK):%H:%M} …)")
        typer.echo("calling you back now…" if method == "callback" else "faxing the authentication code now…")
        jobs.run_one(echoing, worker="telreg-ivr", kinds=DNC_JOBS)


@dataclasses.dataclass
class _EchoTelephony:
    inner: Telephony

    def call_for_confirmation(self, number: str, message: str) -> CallOutcome:
        typer.echo(f"[call to {number}] {message}")
        outcome = self.inner.call_for_confirmation(number, message)
        typer.echo(f"[call to {number}] {outcome.value}")
        return outcome


@dataclasses.dataclass
class _EchoFax:
    inner: FaxSender

    def send_fax(self, number: str, text: str) -> FaxOutcome:
        typer.echo(f"[fax to {number}]\n{text}")
        outcome = self.inner.send_fax(number, text)
        typer.echo(f"[fax to {number}] {outcome.value}")
        return outcome
