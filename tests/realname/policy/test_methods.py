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
    assert policy.quota_for(holder_kind="person", service="prepaid").limit == 3
    assert policy.quota_for(holder_kind="person", service="postpaid").limit == 12
    assert policy.quota_for(holder_kind="organisation", service="prepaid") is None


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
