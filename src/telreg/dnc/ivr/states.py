"""The dialog states of the hotlines: what each one says, and what a key press in it does.

    language ─► menu ─┬─ 1 register / 2 deregister ─► confirm_caller ─► (listed / removed today)
                      │        (no valid caller ID) ─► enter_number ─► confirm_keyed ─┬─► callback requested
                      │                                                                ├─► choose_method (fax line)
                      │                                                                └─► paper advice (mobile)
                      ├─ 3 status ─► (read out) or enter_number … (callback reads it out)
                      └─ 4 other number (81–83) ─► enter_number ─► confirm_keyed ─► callback requested
    language ─► fc_number ─► fc_code ─► (confirmed / wrong / failed / expired)       [fax confirmation line]

A key handler returns a Step: Goto another state, Retry this one (bad input, counted by the engine), or Finish
the call with something to say. Every register change goes through ``dnc.service`` or ``dnc.verification``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.errors import InvalidNumber, UpdateWindowClosed
from telreg.core.phone import HKNumber, NumberKind, parse_number
from telreg.dnc import service, verification
from telreg.dnc.ivr import prompts as p
from telreg.dnc.ivr.lines import Line, LineKind
from telreg.dnc.models import IvrCall
from telreg.dnc.vocabulary import Channel
from telreg.dnc.vocabulary import Verification as Proof


@dataclass(frozen=True)
class Expect:
    kind: str  # digits | none
    min: int = 0
    max: int = 0


ONE_KEY = Expect("digits", 1, 1)
EIGHT_DIGITS = Expect("digits", 8, 8)
CODE = Expect("digits", verification.CODE_DIGITS, verification.CODE_DIGITS)
NOTHING = Expect("none")


@dataclass
class Goto:
    state: str
    preface: p.Prompt = p.EMPTY


@dataclass
class Retry:
    preface: p.Prompt


@dataclass
class Finish:
    prompt: p.Prompt


Step = Goto | Retry | Finish


@dataclass
class Dialog:
    """One turn's view of a call: where it is, what it has collected, and the tools to act."""

    session: Session
    clock: Clock
    settings: Settings
    call: IvrCall
    line: Line
    ctx: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return f"ivr:{self.line.name}"

    @property
    def details(self) -> dict[str, Any]:
        return {"call_id": self.call.call_id, "line": self.line.name}

    @property
    def changes_closed(self) -> bool:
        return service.in_update_window(self.clock.now(), self.settings)

    def keyed(self) -> HKNumber:
        return parse_number(self.ctx["number"])


@dataclass(frozen=True)
class State:
    prompt: Callable[[Dialog], tuple[p.Prompt, Expect]]
    on_keys: Callable[[Dialog, str], Step]


def after_language(line: Line) -> str:
    return "fc_number" if line.kind is LineKind.fax_confirm else "menu"


def _key(keys: str) -> str | None:
    """One key, exactly: "11" is a bounce or a mistake, and a listing must not hang on a guess."""
    return keys if len(keys) == 1 else None


# --- language and main menu -------------------------------------------------------------------------------

def _language_keys(d: Dialog, keys: str) -> Step:
    choice = {"1": p.YUE, "2": p.EN}.get(_key(keys) or "")
    if choice is None:
        return Retry(p.INVALID_KEY)
    d.ctx["lang"] = choice
    return Goto(after_language(d.line))


_MENU = {"1": "register", "2": "deregister", "3": "status", "4": "other"}


def _menu_keys(d: Dialog, keys: str) -> Step:
    choice = _MENU.get(_key(keys) or "")
    if choice is None:
        return Retry(p.INVALID_KEY)
    other = choice == "other"
    action = "register" if other else choice
    d.ctx.update(action=action, other=other, number=None)
    if action != "status" and d.changes_closed:
        return Finish(p.WINDOW_CLOSED)
    if other or not d.ctx.get("caller"):
        return Goto("enter_number")
    if action == "status":
        return Finish(_status_prompt(d, d.ctx["caller"]))
    return Goto("confirm_caller")


# --- caller ID --------------------------------------------------------------------------------------------

def _confirm_caller_keys(d: Dialog, keys: str) -> Step:
    key = _key(keys)
    if key == "2":
        return Goto("menu")
    if key != "1":
        return Retry(p.INVALID_KEY)
    change = service.register_number if d.ctx["action"] == "register" else service.deregister_number
    try:
        outcomes = change(d.session, clock=d.clock, settings=d.settings, number=d.ctx["caller"],
                          registers=[d.line.register], channel=Channel.caller_id, verification=Proof.caller_id,
                          actor=d.actor, details=d.details)
    except UpdateWindowClosed:  # the clock passed 23:00 between the menu and the confirmation
        return Finish(p.WINDOW_CLOSED)
    return Finish(_sum(p.change_outcome(o.as_dict()) for o in outcomes))


def _status_prompt(d: Dialog, number: str) -> p.Prompt:
    document = service.number_status(d.session, settings=d.settings, number=number)
    return p.status(number, d.line.register, document["registers"][d.line.register.value])


def _sum(parts: Any) -> p.Prompt:
    total = p.EMPTY
    for part in parts:
        total = total + part
    return total


# --- a keyed number, verified by callback or fax ----------------------------------------------------------

def _enter_number_keys(d: Dialog, keys: str) -> Step:
    if not keys.isdigit() or len(keys) != 8:
        return Retry(p.bad_number("length", keys))
    try:
        number = parse_number(keys)
    except InvalidNumber:
        return Retry(p.bad_number("not-registrable", keys))
    if not number.registrable:
        return Retry(p.bad_number("not-registrable", keys))
    if d.ctx.get("other") and number.kind is not NumberKind.personal:
        return Retry(p.bad_number("personal-only", keys))
    d.ctx["number"] = number.national
    return Goto("confirm_keyed")


def _confirm_keyed_keys(d: Dialog, keys: str) -> Step:
    key = _key(keys)
    if key == "2":
        return Goto("enter_number")
    if key != "1":
        return Retry(p.INVALID_KEY)
    number = d.keyed()
    if d.ctx["action"] != "status" and d.changes_closed:
        return Finish(p.WINDOW_CLOSED)
    if d.line.offers_fax_callback and not d.ctx.get("other"):
        return Goto("choose_method")
    if number.callback_eligible:
        return _callback(d, number)
    return Finish(p.STATUS_ELSEWHERE if d.ctx["action"] == "status" else p.PAPER_ADVICE)


def _choose_method_keys(d: Dialog, keys: str) -> Step:
    key, number = _key(keys), d.keyed()
    if key == "1" and number.callback_eligible:
        return _callback(d, number)
    if key == "2":
        try:
            v = verification.request_fax_code(
                d.session, clock=d.clock, settings=d.settings, number=number, registers=[d.line.register],
                action=d.ctx["action"], actor=d.actor, lang=d.ctx.get("lang"), details=d.details,
            )
        except UpdateWindowClosed:
            return Finish(p.WINDOW_CLOSED)
        d.ctx["verification_id"] = v.id
        return Finish(p.fax_code_requested(number.national))
    return Retry(p.INVALID_KEY)


def _callback(d: Dialog, number: HKNumber) -> Step:
    other = bool(d.ctx.get("other"))
    try:
        v = verification.request_callback(
            d.session, clock=d.clock, settings=d.settings, number=number, registers=[d.line.register],
            action=d.ctx["action"], channel=Channel.other_number if other else Channel.callback, actor=d.actor,
            lang=d.ctx.get("lang"), details=d.details,
        )
    except UpdateWindowClosed:
        return Finish(p.WINDOW_CLOSED)
    d.ctx["verification_id"] = v.id
    return Finish(p.callback_requested(number.national, personal=number.kind is NumberKind.personal,
                                       attempts=d.settings.callback_attempts,
                                       interval=d.settings.callback_interval_minutes))


# --- the fax confirmation line ----------------------------------------------------------------------------

def _fc_number_keys(d: Dialog, keys: str) -> Step:
    if not keys.isdigit() or len(keys) != 8:
        return Retry(p.bad_number("length", keys))
    if verification.pending_fax_code(d.session, number=keys) is None:
        return Retry(p.FC_NONE_PENDING)
    d.ctx["number"] = keys
    return Goto("fc_code")


def _fc_code_keys(d: Dialog, keys: str) -> Step:
    if not keys.isdigit() or len(keys) != verification.CODE_DIGITS:
        return Retry(p.FC_CODE_LENGTH)
    check = verification.confirm_fax_code(d.session, clock=d.clock, settings=d.settings, number=d.ctx["number"],
                                          code=keys, actor=d.actor)
    if check.result == "wrong":
        return Goto("fc_code", p.fc_wrong(check.remaining))
    if check.result != "confirmed":
        return Finish({"none": p.FC_NONE_PENDING, "window-closed": p.WINDOW_CLOSED, "expired": p.FC_EXPIRED,
                       "failed": p.FC_FAILED}[check.result])
    if "status" in check.detail:
        entries = check.detail["status"]["registers"]
        return Finish(_sum(p.status(d.ctx["number"], r, entries[r]) for r in check.registers))
    return Finish(_sum(p.change_outcome(o) for o in check.detail["outcomes"]))


STATES: dict[str, State] = {
    "language": State(lambda d: (p.LANGUAGE_MENU, ONE_KEY), _language_keys),
    "menu": State(lambda d: (p.main_menu(d.line.register), ONE_KEY), _menu_keys),
    "confirm_caller": State(
        lambda d: (p.confirm_caller(d.ctx["caller"], d.ctx["action"], d.line.register), ONE_KEY),
        _confirm_caller_keys,
    ),
    "enter_number": State(
        lambda d: (p.enter_number(personal=bool(d.ctx.get("other")), no_caller_id=not d.ctx.get("other")),
                   EIGHT_DIGITS),
        _enter_number_keys,
    ),
    "confirm_keyed": State(lambda d: (p.confirm_keyed(d.ctx["number"]), ONE_KEY), _confirm_keyed_keys),
    "choose_method": State(lambda d: (p.choose_method(phone=d.keyed().callback_eligible), ONE_KEY),
                           _choose_method_keys),
    "fc_number": State(lambda d: (p.FC_ENTER_NUMBER, EIGHT_DIGITS), _fc_number_keys),
    "fc_code": State(lambda d: (p.FC_ENTER_CODE, CODE), _fc_code_keys),
}
