"""Answer one turn of a hotline call: load the call, apply the event, store the new state, say what comes next.

Turns are idempotent: the platform numbers them (``seq``) and a turn delivered again with the number already
answered gets the stored reply back without doing anything twice; an older number is refused. A caller who says
nothing, or keys something that is not a choice, hears the prompt again, at most ``MAX_REPEATS`` times in a row;
then the call ends politely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.phone import parse_registrable
from telreg.dnc.ivr import prompts as p
from telreg.dnc.ivr import store
from telreg.dnc.ivr.errors import TurnRejected, UnknownCall
from telreg.dnc.ivr.lines import Line, get_line
from telreg.dnc.ivr.states import NOTHING, STATES, Dialog, Expect, Goto, Retry, Step, after_language
from telreg.dnc.models import IvrCall

__all__ = ["EVENTS", "MAX_REPEATS", "Reply", "Turn", "handle_turn"]

EVENTS = ("start", "keys", "timeout", "hangup")
MAX_REPEATS = 2  # a prompt is repeated twice after no input or a wrong key; the third miss ends the call
ENDED = "ended"
HUNG_UP = "hung-up"


@dataclass(frozen=True)
class Turn:
    """One call event from the telephony platform (or the terminal simulator)."""

    call_id: str
    line: str
    event: str  # start | keys | timeout | hangup
    seq: int
    caller_id: str | None = None
    keys: str | None = None
    lang: str | None = None  # a platform that already knows the caller's language may skip the language menu


@dataclass(frozen=True)
class Reply:
    call_id: str
    state: str
    prompt: p.Prompt
    lang: str | None
    expect: Expect
    end: bool

    @property
    def say(self) -> str:
        return self.prompt.say(self.lang)

    def as_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id, "state": self.state, "prompt": self.prompt.as_dict(), "say": self.say,
            "lang": self.lang, "expect": {"kind": self.expect.kind, "min": self.expect.min, "max": self.expect.max},
            "end": self.end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(data["call_id"], data["state"], p.Prompt(**data["prompt"]), data["lang"], Expect(**data["expect"]),
                   data["end"])


def handle_turn(session: Session, *, clock: Clock, settings: Settings, turn: Turn) -> Reply:
    """Apply one call event and return what to say next; the caller's transaction stores it all."""
    if turn.event not in EVENTS:
        raise InvalidInput(N_("Event '%(event)s' is not one of %(events)s."), event=turn.event,
                           events=", ".join(EVENTS))
    line = get_line(turn.line)
    call = store.get_call(session, turn.call_id, for_update=True)
    if call is None:
        if turn.event != "start":
            raise UnknownCall(N_("There is no call '%(call_id)s'; a call begins with a 'start' event."),
                              call_id=turn.call_id)
        call = _start(session, clock=clock, line=line, turn=turn)
        if call.context.get("seq") is None:  # ours: not a start another request stored first
            d = Dialog(session, clock, settings, call, line, dict(call.context))
            first = after_language(line) if d.ctx.get("lang") else "language"
            return _save(d, turn.seq, _goto(d, Goto(first, p.WELCOME)))
    if call.line != line.name:
        raise TurnRejected(N_("Call '%(call_id)s' is on line '%(call_line)s', not '%(line)s'."),
                           call_id=turn.call_id, call_line=call.line, line=line.name)
    last = call.context.get("seq")
    if last is not None and turn.seq == last:
        return Reply.from_dict(call.context["reply"])  # the same turn delivered again
    if last is not None and turn.seq < last:
        raise TurnRejected(N_("Turn %(seq)s of call '%(call_id)s' is older than turn %(last_seq)s, already "
                              "answered."), call_id=turn.call_id, seq=turn.seq, last_seq=last)
    d = Dialog(session, clock, settings, call, line, dict(call.context))
    if call.ended_at is not None:
        if turn.event == "hangup":
            return _save(d, turn.seq, Reply.from_dict(call.context["reply"]))
        raise TurnRejected(N_("Call '%(call_id)s' has ended."), call_id=turn.call_id)
    if turn.event == "start":
        raise TurnRejected(N_("Call '%(call_id)s' has already started."), call_id=turn.call_id)
    if turn.event == "hangup":
        reply = _end(d, p.EMPTY, state=HUNG_UP)
    elif turn.event == "timeout" or not turn.keys:
        reply = _retry(d, Retry(p.NO_INPUT))
    else:
        reply = _apply(d, STATES[call.state].on_keys(d, turn.keys))
    return _save(d, turn.seq, reply)


def _start(session: Session, *, clock: Clock, line: Line, turn: Turn) -> IvrCall:
    now = clock.now()
    lang = turn.lang if turn.lang in p.LANGUAGES else None
    call = IvrCall(call_id=turn.call_id, line=line.name, caller_id=(turn.caller_id or None) and turn.caller_id[:32],
                   state="language", context={"seq": None, "lang": lang, "caller": _caller(turn.caller_id),
                                              "retries": 0},
                   turns=0, started_at=now, updated_at=now, ended_at=None)
    stored = store.add_call(session, call)
    if stored is not None:
        return stored
    existing = store.get_call(session, turn.call_id, for_update=True)
    assert existing is not None  # the unique constraint said it exists
    return existing


def _caller(caller_id: str | None) -> str | None:
    """The caller's own number when it can be listed; withheld, malformed or unlistable numbers count as none."""
    if not caller_id:
        return None
    try:
        return parse_registrable(caller_id).national
    except InvalidInput:
        return None


def _apply(d: Dialog, step: Step) -> Reply:
    if isinstance(step, Goto):
        return _goto(d, step)
    if isinstance(step, Retry):
        return _retry(d, step)
    return _end(d, step.prompt + p.GOODBYE, state=ENDED)


def _goto(d: Dialog, step: Goto) -> Reply:
    d.ctx["retries"] = 0
    d.call.state = step.state
    prompt, expect = STATES[step.state].prompt(d)
    return Reply(d.call.call_id, step.state, step.preface + prompt, d.ctx.get("lang"), expect, False)


def _retry(d: Dialog, step: Retry) -> Reply:
    d.ctx["retries"] = d.ctx.get("retries", 0) + 1
    if d.ctx["retries"] > MAX_REPEATS:
        return _end(d, step.preface + p.TOO_MANY_TRIES + p.GOODBYE, state=ENDED)
    prompt, expect = STATES[d.call.state].prompt(d)
    return Reply(d.call.call_id, d.call.state, step.preface + prompt, d.ctx.get("lang"), expect, False)


def _end(d: Dialog, prompt: p.Prompt, *, state: str) -> Reply:
    d.ctx["ended_in"] = d.call.state
    d.call.state = state
    d.call.ended_at = d.clock.now()
    return Reply(d.call.call_id, state, prompt, d.ctx.get("lang"), NOTHING, True)


def _save(d: Dialog, seq: int, reply: Reply) -> Reply:
    # A new dict, so the JSON column is seen as changed.
    d.call.context = {**d.ctx, "seq": seq, "reply": reply.as_dict()}
    d.call.turns += 1
    d.call.updated_at = d.clock.now()
    d.session.flush()
    return reply
