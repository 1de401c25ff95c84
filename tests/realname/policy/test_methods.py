"""The questions the registration service asks a policy: which quota, which documents, typed or read."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from telreg.realname.policy import Policy, load_policy


def _variant(**changes: Any) -> Policy:
    data = load_policy("hong-kong").model_dump()
    data.update(changes)
    return Policy.model_validate(data)


def test_specific_quota_wins_over_any_and_any_covers_the_rest() -> None:
    policy = _variant(quotas=[
        {"holder_kind": "person", "service": "any", "limit": 12, "scope": "operator"},
        {"holder_kind": "person", "service": "prepaid", "limit": 3, "scope": "operator"},
    ])
    assert policy.quota_for(holder_kind="person", service="prepaid", line="mobile").limit == 3
    assert policy.quota_for(holder_kind="person", service="postpaid", line="fixed").limit == 12
    assert policy.quota_for(holder_kind="organisation", service="prepaid", line="mobile") is None


def test_a_quota_counts_only_its_lines_and_a_left_out_line_is_counted_apart() -> None:
    # Seed 003: 最多只可办理5个后付费号码(不含固话) — fixed lines are not counted against the postpaid quota.
    policy = _variant(quotas=[
        {"holder_kind": "person", "service": "postpaid", "lines": ["mobile", "data-only"], "limit": 5,
         "scope": "operator"},
    ])
    assert policy.quota_for(holder_kind="person", service="postpaid", line="mobile").limit == 5
    assert policy.quota_for(holder_kind="person", service="postpaid", line="fixed") is None
    assert policy.counter_for(holder_kind="person", service="postpaid", line="data-only") == (
        "postpaid:data-only+mobile", 5)
    fixed = policy.counter_for(holder_kind="person", service="postpaid", line="fixed")
    assert fixed == ("postpaid:fixed", None)
    # A service no quota mentions keeps its plain counter, so a quota added for it later starts from the truth
    assert policy.counter_for(holder_kind="person", service="prepaid", line="fixed") == ("prepaid", None)


def test_an_any_quota_takes_a_line_the_specific_quota_leaves_out() -> None:
    policy = _variant(quotas=[
        {"holder_kind": "person", "service": "postpaid", "lines": ["mobile"], "limit": 2,
         "scope": "operator"},
        {"holder_kind": "person", "service": "any", "limit": 7, "scope": "operator"},
    ])
    mobile = policy.counter_for(holder_kind="person", service="postpaid", line="mobile")
    assert mobile == ("postpaid:mobile", 2)
    assert policy.counter_for(holder_kind="person", service="postpaid", line="fixed") == ("any", 7)


def test_a_line_listed_twice_or_unknown_is_refused() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        _variant(quotas=[{"holder_kind": "person", "service": "postpaid", "lines": ["fixed", "fixed"],
                          "limit": 1, "scope": "operator"}])
    with pytest.raises(ValidationError, match="lines"):
        _variant(quotas=[{"holder_kind": "person", "service": "postpaid", "lines": ["landline"],
                          "limit": 1, "scope": "operator"}])


def test_manual_entry_needs_the_manual_method_and_no_ban() -> None:
    no_manual = _variant(capture_methods=["card_reader", "mrz_scan"])
    assert not no_manual.manual_entry_allowed(doc_type="passport")
    banned = _variant(documents={"person": ["hkid", "passport"], "organisation": ["hk-br"],
                                 "manual_entry_forbidden": ["hkid"]})
    assert not banned.manual_entry_allowed(doc_type="hkid")
    assert banned.manual_entry_allowed(doc_type="passport")


def test_accepts_looks_at_the_holders_own_list() -> None:
    policy = load_policy("mainland-china")
    assert policy.accepts(holder_kind="person", doc_type="mtp-taiwan")
    assert not policy.accepts(holder_kind="person", doc_type="hkid")
    assert policy.accepts(holder_kind="organisation", doc_type="cn-uscc")
    assert not policy.accepts(holder_kind="organisation", doc_type="cn-resident-id")


def test_policy_is_frozen() -> None:
    policy = load_policy("hong-kong")
    with pytest.raises(ValidationError, match="frozen"):
        policy.minor_age = 18  # type: ignore[misc]
