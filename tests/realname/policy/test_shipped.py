"""The shipped policies load and carry the seeds' numbers (seed 000: Hong Kong, seed 003: mainland China)."""

from __future__ import annotations

from importlib import resources

import pytest

from telreg.realname.policy import SHIPPED_POLICIES, Policy, load_policy


@pytest.fixture(scope="module")
def hong_kong() -> Policy:
    return load_policy("hong-kong")


@pytest.fixture(scope="module")
def mainland() -> Policy:
    return load_policy("mainland-china")


def test_hong_kong_quotas_are_ten_per_person_and_twenty_five_per_company(hong_kong: Policy) -> None:
    # Seed 000, Q2 "Each person can buy up to 10" and Q3 "With the company as the user unit, up to 25".
    person = hong_kong.quota_for(holder_kind="person", service="prepaid", line="mobile")
    company = hong_kong.quota_for(holder_kind="organisation", service="prepaid", line="mobile")
    assert (person.limit, person.scope) == (10, "operator")
    assert (company.limit, company.scope) == (25, "operator")
    # Monthly (postpaid) users "do not need to re-register" (Q4): no quota limits them.
    assert hong_kong.quota_for(holder_kind="person", service="postpaid", line="mobile") is None


def test_hong_kong_withdraws_only_stored_value_cards(hong_kong: Policy) -> None:
    # Q4 "Monthly fee card users do not need to re-register"; Q5 "existing customers of stored-value cards
    # must complete registration information 360 days after the start of registration".
    assert hong_kong.lifecycle.services == ["prepaid"]
    assert not hong_kong.agent_requires_authorisation_letter  # the seed says nothing of agents


def test_hong_kong_minors_deadline_and_termination(hong_kong: Policy) -> None:
    assert hong_kong.minor_age == 16                      # Q5 "under the age of 16"
    assert hong_kong.lifecycle.legacy_deadline_days == 360  # Q5 "360 days after the start of registration"
    assert [s.name for s in hong_kong.lifecycle.steps][-1] == "deactivated"
    assert hong_kong.termination_working_days == 1        # issue 5: within one working day
    assert (hong_kong.jurisdiction, hong_kong.language) == ("HK", "zh-Hant")
    assert hong_kong.accepts(holder_kind="person", doc_type="hkid")
    assert hong_kong.accepts(holder_kind="organisation", doc_type="hk-br")
    assert not hong_kong.accepts(holder_kind="organisation", doc_type="hkid")
    assert not hong_kong.one_identity_lookup


def test_mainland_documents_follow_order_25_articles_7_and_8(mainland: Policy) -> None:
    art_7 = {"cn-resident-id", "cn-temporary-resident-id", "cn-household-register", "cn-military-id",
             "cn-armed-police-id", "mtp-hk-macao", "mtp-taiwan", "passport"}
    assert art_7 <= set(mainland.documents.person)
    assert set(mainland.documents.organisation) == {"cn-orgcode", "cn-uscc"}
    assert mainland.organisation_requires_handler and mainland.organisation_requires_authorisation_letter
    assert mainland.agent_allowed  # art. 6: the agent shows both identities
    assert mainland.language == "zh-Hans"


def test_mainland_resident_id_never_typed_by_hand(mainland: Policy) -> None:
    # Notice 182 (2016): 禁止人工录入居民身份证信息.
    assert not mainland.manual_entry_allowed(doc_type="cn-resident-id")
    assert mainland.manual_entry_allowed(doc_type="cn-household-register")
    assert {"card_reader", "online_verification"} <= set(mainland.capture_methods)


def test_mainland_lifecycle_quotas_and_target(mainland: Policy) -> None:
    steps = {s.name: s.after_days for s in mainland.lifecycle.steps}
    # 单停15天后 ... 自动进入全停: full suspension 15 days after outgoing service was barred.
    assert steps["suspended"] - steps["outgoing_barred"] == 15
    assert steps["deactivated"] > steps["suspended"]
    assert all(s.notify for s in mainland.lifecycle.steps)
    assert mainland.real_name_target_percent == 95  # 实名率达到95%以上
    # China Unicom: 最多只可办理5个后付费号码(不含固话); 最多只可办理10个预付费号码 — per operator.
    postpaid = mainland.quota_for(holder_kind="person", service="postpaid", line="mobile")
    prepaid = mainland.quota_for(holder_kind="person", service="prepaid", line="mobile")
    assert (postpaid.limit, postpaid.scope, prepaid.limit, prepaid.scope) == (5, "operator", 10, "operator")
    assert mainland.quota_for(holder_kind="person", service="postpaid", line="fixed") is None  # 不含固话
    assert mainland.quota_for(holder_kind="person", service="postpaid", line="data-only").limit == 5
    assert mainland.lifecycle.services == ["prepaid", "postpaid"]  # 全部电话用户实现实名登记
    assert mainland.one_identity_lookup


def test_mainland_agents_bring_a_letter_and_cards_their_address(mainland: Policy) -> None:
    # Operators: 他人代办 ... 提供机主授权代办人办理业务的"代办(委托)授权书"; Order 25 art. 9: 如实登记 ... 住址信息.
    assert mainland.agent_requires_authorisation_letter
    for doc_type in ("cn-resident-id", "cn-temporary-resident-id", "cn-household-register", "cn-uscc"):
        assert mainland.documents.required_for(doc_type) == ["address"]
    assert mainland.documents.required_for("passport") == []  # a passport carries no address


@pytest.mark.parametrize("name", SHIPPED_POLICIES)
def test_shipped_file_names_itself_and_cites_its_seed(name: str) -> None:
    text = (resources.files("telreg.realname.policy") / "files" / f"{name}.toml").read_text(encoding="utf-8")
    assert text.startswith("#")
    assert "../shared/seeds/" in text.split("\n\n")[0]
    policy = load_policy(name)
    assert policy.name == name
    assert policy.version.startswith("20")


def test_policy_show_describes_each_shipped_policy_with_its_lookup_limits() -> None:
    from telreg.realname.policy import load_policy
    from telreg.realname.policy_cli import describe

    mainland = describe(policy=load_policy("mainland-china"), source="mainland-china")
    assert "  one-identity lookup: yes" in mainland
    assert ("    codes valid 10 min, 5 tries; at most 3 per number and 5 per document in 60 min; a proved lookup "
            "stays open 30 min") in mainland
    assert "    person postpaid (mobile, data-only lines): 5 per operator" in mainland
    assert "    person prepaid: 10 per operator" in mainland
    assert "  agents allowed: yes, holder's authorisation letter yes" in mainland
    hong_kong = describe(policy=load_policy("hong-kong"), source="hong-kong")
    assert hong_kong[-1] == "  one-identity lookup: no" and "    person prepaid: 10 per operator" in hong_kong
    assert "  legacy postpaid numbers: registered by contract" in hong_kong
