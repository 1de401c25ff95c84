"""Policy changes under the two-person rule (realname/policy/overrides.py): in force from their date, and read by
``effective_policy``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from telreg.core import dual_control
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.users import get_user
from telreg.realname.policy import get_policy
from telreg.realname.policy.overrides import apply_override, effective_policy, in_force

from .helpers import make_people

CHANGE = {"key": "lawful_access.emergency_backing_hours", "value": 24, "effective_from": "2026-04-01"}


@pytest.fixture
def people(runtime: Any) -> None:
    make_people(runtime, "rita", "rex", "alice", "carol")


def _approved_change(runtime: Any, change: dict[str, Any], *, asker: str = "rita", approver: str = "rex") -> int:
    with unit_of_work(runtime.session_factory) as session:
        row = dual_control.request(session, clock=runtime.clock, settings=runtime.settings,
                                   user=get_user(session, asker), kind="policy-change", params=change,
                                   reason="the new ordinance")
        dual_control.approve(session, clock=runtime.clock, settings=runtime.settings,
                             user=get_user(session, approver), request_id=row.id, reason="as gazetted")
        return row.id


def _apply(runtime: Any, request_id: int, change: dict[str, Any], who: str = "rita") -> None:
    with unit_of_work(runtime.session_factory) as session:
        apply_override(session, clock=runtime.clock, settings=runtime.settings, user=get_user(session, who),
                       request_id=request_id, **change)


def _hours(runtime: Any) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return effective_policy(session, runtime.settings, clock=runtime.clock).lawful_access.emergency_backing_hours


def test_a_change_is_in_force_from_its_date_and_not_before(runtime: Any, people: None, clock: Any) -> None:
    clock.set(dt.datetime(2026, 3, 20, 9, 0, tzinfo=HK))
    assert _hours(runtime) == get_policy(runtime.settings).lawful_access.emergency_backing_hours == 48
    _apply(runtime, _approved_change(runtime, CHANGE), CHANGE)
    assert _hours(runtime) == 48  # recorded, not yet in force
    clock.set(dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=HK))
    assert _hours(runtime) == 48
    clock.set(dt.datetime(2026, 4, 1, 0, 0, tzinfo=HK))  # Hong Kong midnight of the date
    assert _hours(runtime) == 24
    with unit_of_work(runtime.session_factory) as session:
        policy = effective_policy(session, runtime.settings, clock=clock)
        assert policy.retention == get_policy(runtime.settings).retention  # the rest as in the file
        assert [(c.key, c.value, c.approved_by) for c in in_force(session, clock=clock)] == [
            ("lawful_access.emergency_backing_hours", 24, "rex")]
    later = {**CHANGE, "value": 36, "effective_from": "2026-05-01"}
    _apply(runtime, _approved_change(runtime, later, asker="rex", approver="alice"), later, who="rex")
    assert _hours(runtime) == 24
    clock.set(dt.datetime(2026, 5, 1, 8, 0, tzinfo=HK))
    assert _hours(runtime) == 36


def test_only_the_allowed_keys_and_valid_values(runtime: Any, people: None) -> None:
    with pytest.raises(InvalidInput, match="'minor_age' cannot be changed this way; the values that can are "
                                           "lawful_access.emergency_backing_hours, .*consent_purposes"):
        _approved_change(runtime, {**CHANGE, "key": "minor_age"})
    with pytest.raises(InvalidInput, match="0 is not a valid value of lawful_access.emergency_backing_hours: "
                                           "Input should be greater than or equal to 1"):
        _approved_change(runtime, {**CHANGE, "value": 0})
    with pytest.raises(InvalidInput, match="is not a valid value of retention.personal_data_days: Input should "
                                           "be a valid integer"):
        _approved_change(runtime, {**CHANGE, "key": "retention.personal_data_days", "value": "two years"})
    with pytest.raises(InvalidInput, match="effective_from: 'soon' is not an ISO date"):
        _approved_change(runtime, {**CHANGE, "effective_from": "soon"})


def test_the_change_applied_is_the_one_approved(runtime: Any, people: None, clock: Any) -> None:
    request_id = _approved_change(runtime, CHANGE)
    with pytest.raises(dual_control.ApprovalUnusable, match='not {"effective_from":"2026-04-01","key":'
                                                            '"lawful_access.emergency_backing_hours","value":12}'):
        _apply(runtime, request_id, {**CHANGE, "value": 12})
    with pytest.raises(dual_control.DualControlRefused, match="Asking for 'policy-change' needs one of the roles "
                                                              "admin, regulator; carol"):
        _approved_change(runtime, CHANGE, asker="carol")
    clock.set(dt.datetime(2026, 4, 2, 9, 0, tzinfo=HK))
    with pytest.raises(InvalidInput, match="take effect on 2026-04-01, which has passed"):
        _apply(runtime, request_id, CHANGE)


def test_the_cli_sets_lists_and_shows_a_change(cli: Any, runtime: Any, people: None, clock: Any) -> None:
    clock.set(dt.datetime(2026, 3, 20, 9, 0, tzinfo=HK))
    code, _, err = cli("realname", "policy", "set", "consent_purposes", "marketing,research",
                       "--effective-from", "2026-03-21")
    assert code == 1 and "telreg approvals request policy-change --param key=consent_purposes" in err
    code, out, err = cli("approvals", "request", "policy-change", "--param", "key=consent_purposes",
                         "--param", "value=marketing,research", "--param", "effective_from=2026-03-21",
                         "--reason", "research use", "--by", "rita")
    assert code == 0, err
    request_id = str(json.loads(out)["id"])
    assert json.loads(out)["params"]["value"] == ["marketing", "research"]
    code, _, err = cli("approvals", "approve", request_id, "--reason", "ok", "--by", "rex")
    assert code == 0, err
    code, out, err = cli("realname", "policy", "set", "consent_purposes", "marketing,research",
                         "--effective-from", "2026-03-21", "--approval", request_id, "--by", "rita")
    assert code == 0, err
    assert 'consent_purposes = ["marketing", "research"] from 2026-03-21' in out
    code, listing, _ = cli("realname", "policy", "overrides")
    assert "consent_purposes" in listing and "from 2026-03-21" in listing and "approved by rex" in listing
    clock.set(dt.datetime(2026, 3, 21, 0, 0, tzinfo=HK))
    code, listing, _ = cli("realname", "policy", "overrides")
    assert "in force" in listing
    code, shown, _ = cli("realname", "policy", "show", "--json")
    assert json.loads(shown)["consent_purposes"] == ["marketing", "research"]
    code, shown, _ = cli("realname", "policy", "show")
    assert 'changed: consent_purposes = ["marketing", "research"] since 2026-03-21' in shown
