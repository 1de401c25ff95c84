"""The policy in force = the TOML file's policy + changes approved under the two-person rule.

A deployment's policy file is reviewed and shipped; a few of its values are clocks the regulator may need to
change between releases (lawful access's hours, the retention period, the consent purposes). Such a change is a
``policy-change`` request (core/dual_control.py: asked for by a regulator or an administrator, approved by
another one), then applied with ``telreg realname policy set KEY VALUE --effective-from DATE --approval ID``:
a row of ``realname_policy_overrides`` naming its approval, in force from Hong Kong midnight of that date.

:func:`effective_policy` is what code reads those values through: the file's policy with, for each key, the
latest change already in force applied, validated by building the Policy model again. It runs on hot paths,
so it asks the database one cheap question (the latest override's id) and keeps what it built per set of
changes in force.

Only the keys of :data:`OVERRIDABLE` may change: the rest of the policy (documents, quotas, lifecycle) shapes
data already stored, and changes with a new file, reviewed as code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, dual_control
from telreg.core.clock import HK, Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.realname.policy.loader import get_policy
from telreg.realname.policy.model import LawfulAccess, Policy, Retention
from telreg.realname.policy.overrides_models import PolicyOverride

__all__ = [
    "KIND",
    "OVERRIDABLE",
    "InForce",
    "apply_override",
    "dump",
    "effective_policy",
    "in_force",
    "list_overrides",
    "normalise_change",
    "parse_value",
]

KIND = "policy-change"
CHANGERS = frozenset({"regulator", "admin"})
OVERRIDABLE = (*(f"lawful_access.{name}" for name in LawfulAccess.model_fields),
               *(f"retention.{name}" for name in Retention.model_fields), "consent_purposes")
_SECTIONS = {"lawful_access": LawfulAccess, "retention": Retention}
_PURPOSES = TypeAdapter(list[str], config=ConfigDict(strict=True))


@dataclass(frozen=True)
class InForce:
    """A change in force: which key, its value, since when, and the people who asked for and approved it."""

    id: int
    key: str
    value: Any
    effective_from: dt.datetime
    requested_by: str
    approved_by: str
    approval_id: int


def parse_value(text: str) -> Any:
    """Read a value as typed at a terminal: JSON when it is JSON (24, ["a", "b"]), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def dump(value: Any) -> str:
    """A value as it is typed and shown (JSON)."""
    return json.dumps(value, ensure_ascii=False)


def _model_message(exc: ValidationError) -> str:
    return "; ".join(error["msg"] for error in exc.errors())


def _check_value(key: str, value: Any) -> None:
    try:
        if key == "consent_purposes":
            purposes = _PURPOSES.validate_python(value)
            if any(not purpose.strip() for purpose in purposes):
                raise InvalidInput(N_("A consent purpose cannot be empty."))
        else:
            section, name = key.split(".", 1)
            _SECTIONS[section].model_validate({name: value})
    except ValidationError as exc:
        raise InvalidInput(N_("%(value)s is not a valid value of %(key)s: %(problem)s."), key=key,
                           value=json.dumps(value, ensure_ascii=False), problem=_model_message(exc)) from None


def normalise_change(params: Mapping[str, Any], scope: str | None = None) -> dict[str, Any]:
    """The parameters of a ``policy-change`` in their one form: key, value (JSON), effective_from (ISO date)."""
    unknown = sorted(set(params) - {"key", "value", "effective_from"})
    if unknown:
        raise InvalidInput(N_("Unknown parameter(s) %(unknown)s; this operation takes %(known)s."),
                           unknown=", ".join(unknown), known="key, value, effective_from")
    key = str(params.get("key") or "").strip()
    if key not in OVERRIDABLE:
        raise InvalidInput(N_("The policy value '%(key)s' cannot be changed this way; the values that can are "
                              "%(allowed)s."), key=key, allowed=", ".join(OVERRIDABLE))
    if "value" not in params:
        raise InvalidInput(N_("Give the new value of %(key)s."), key=key)
    value = params["value"]
    value = parse_value(value) if isinstance(value, str) and key != "consent_purposes" else value
    if key == "consent_purposes" and isinstance(value, str):
        value = parse_value(value) if value.lstrip().startswith("[") else \
            [part.strip() for part in value.split(",") if part.strip()]
    _check_value(key, value)
    when = str(params.get("effective_from") or "").strip()
    try:
        effective = dt.date.fromisoformat(when)
    except ValueError:
        raise InvalidInput(N_("effective_from: '%(entered)s' is not an ISO date such as 2027-01-01."),
                           entered=when) from None
    return {"key": key, "value": value, "effective_from": effective.isoformat()}


def _describe(params: Mapping[str, Any], scope: str | None) -> str:
    return (f"Change the real-name policy's {params['key']} to {json.dumps(params['value'], ensure_ascii=False)} "
            f"from {params['effective_from']}")


dual_control.register_kind(KIND, approver_roles=CHANGERS, requester_roles=CHANGERS, describe=_describe,
                           scoped=False, check_params=normalise_change,
                           param_names=("key", "value", "effective_from"))


def apply_override(session: Session, *, clock: Clock, settings: Settings, user: User, request_id: int, key: str,
                   value: Any, effective_from: str) -> PolicyOverride:
    """Record an approved change (consuming its approval); it is in force from Hong Kong midnight of the date."""
    change = normalise_change({"key": key, "value": value, "effective_from": effective_from})
    day = dt.date.fromisoformat(change["effective_from"])
    if day < today(clock):
        raise InvalidInput(N_("The change would take effect on %(day)s, which has passed: a policy value is not "
                              "changed in the past. Ask for a change from today or later."), day=day.isoformat())
    _apply(get_policy(settings), [(change["key"], change["value"])])  # the whole model, with the value in place
    approval = dual_control.consume(session, clock=clock, request_id=request_id, kind=KIND, params=change,
                                    user=user)
    row = PolicyOverride(key=change["key"], value=change["value"],
                         effective_from=dt.datetime.combine(day, dt.time(), HK), approval_id=approval.id,
                         requested_by=approval.requested_by, approved_by=approval.decided_by or "",
                         created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, clock=clock, actor=f"staff:{user.username}", action="realname-policy-overridden",
                 subject_type="realname_policy", subject_key=change["key"],
                 details={"value": change["value"], "effective_from": change["effective_from"],
                          "approval": approval.id, "approved_by": approval.decided_by})
    _ROWS.clear()
    _BUILT.clear()
    return row


def list_overrides(session: Session) -> list[PolicyOverride]:
    """Every change ever recorded, newest first."""
    return list(session.scalars(select(PolicyOverride).order_by(PolicyOverride.id.desc())))


def _apply(policy: Policy, changes: list[tuple[str, Any]]) -> Policy:
    data = policy.model_dump(mode="python")
    for key, value in changes:
        if "." in key:
            section, name = key.split(".", 1)
            data[section][name] = value
        else:
            data[key] = value
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(N_("The policy with this change is not valid: %(problem)s."),
                           problem=_model_message(exc)) from None


# (database, latest override id) -> every override; (database, policy source, ids in force) -> the policy.
_ROWS: dict[tuple[str, int], list[InForce]] = {}
_BUILT: dict[tuple[str, str, tuple[int, ...]], Policy] = {}


def _all_changes(session: Session) -> list[InForce]:
    latest = session.scalar(select(func.max(PolicyOverride.id)))
    if latest is None:
        return []
    key = (str(session.get_bind().url), latest)
    if key not in _ROWS:
        if len(_ROWS) > 32:
            _ROWS.clear()
        _ROWS[key] = [InForce(r.id, r.key, r.value, r.effective_from, r.requested_by, r.approved_by, r.approval_id)
                      for r in session.scalars(select(PolicyOverride).order_by(PolicyOverride.id))]
    return _ROWS[key]


def in_force(session: Session, *, clock: Clock) -> list[InForce]:
    """For each key changed, the latest change whose date has come (the latest recorded wins a tie)."""
    now = clock.now()
    current: dict[str, InForce] = {}
    for change in _all_changes(session):
        if change.effective_from <= now:
            held = current.get(change.key)
            if held is None or (change.effective_from, change.id) >= (held.effective_from, held.id):
                current[change.key] = change
    return sorted(current.values(), key=lambda c: c.key)


def effective_policy(session: Session, settings: Settings, *, clock: Clock) -> Policy:
    """The policy in force at the clock's now (the file's, with the approved changes applied)."""
    base = get_policy(settings)
    changes = in_force(session, clock=clock)
    if not changes:
        return base
    key = (str(session.get_bind().url), settings.realname_policy, tuple(c.id for c in changes))
    if key not in _BUILT:
        if len(_BUILT) > 64:
            _BUILT.clear()
        _BUILT[key] = _apply(base, [(c.key, c.value) for c in changes])
    return _BUILT[key]
