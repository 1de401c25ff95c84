"""The real-name pages over HTTP (no browser): the shop form, the document check, the compliance queues and
the public lookup, in English and Chinese. SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.notify import FakeSms
from telreg.realname import views
from telreg.realname.models import Registration
from telreg.runtime import Runtime
from tests.realname.lookup.helpers import CARD, ZHANG_AT_CMCC, code_sent, holdings
from tests.realname.registration.helpers import HONG_KONG, MAINLAND, hkid, make_operator, resident_id
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer

SHOP = "/staff/realname/register"
ADULT = {"operator": "op1", "number": "51234567", "service": "prepaid", "line": "mobile",
         "holder_kind": "person", "holder_name": "CHAN Tai Man", "holder_date_of_birth": "1990-01-01",
         "holder_doc_type": "hkid",
         "holder_doc_number": hkid("A", "123456"), "holder_capture": "manual"}
CHILD = {**ADULT, "number": "51234568", "holder_name": "CHAN Siu Ming", "holder_date_of_birth": "2015-06-01",
         "holder_doc_number": hkid("B", "111111")}


def sign_in(client: Any, runtime: Runtime, roles: tuple[str, ...] = ("operator-staff",),
            operator: str | None = "op1") -> str:
    make_officer(runtime, username="clerk.ho", roles=roles,
                 operator=operator if "operator-staff" in roles else None)
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login",
                data={"username": "clerk.ho", "password": OFFICER_PASSWORD, "csrf_token": token})
    return form_token(client.get(SHOP).text)


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with this id (tags removed, spaces collapsed)."""
    start = html.index(f'id="{element_id}"')
    chunk = html[start:html.index("</section>", start) if "</section>" in html[start:] else None]
    return " ".join(re.sub(r"<[^>]+>", " ", chunk.split(">", 1)[1]).split())


@pytest.fixture
def staff(client: Any, runtime: Runtime) -> str:
    make_operator(runtime)
    return sign_in(client, runtime)


def test_the_shop_is_for_operator_staff(client: Any, runtime: Runtime) -> None:
    anonymous = client.get(SHOP, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")
    make_officer(runtime, username="dnc.lee", roles=("dnc-officer",))
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login",
                data={"username": "dnc.lee", "password": OFFICER_PASSWORD, "csrf_token": token})
    assert client.get(SHOP).status_code == 403


def test_register_then_the_same_number_is_refused(client: Any, staff: str) -> None:
    done = client.post(SHOP, data={**ADULT, "csrf_token": staff})
    assert done.status_code == 200
    outcome = text_of(done.text, "outcome")
    limit = HONG_KONG.quota_for(holder_kind="person", service="prepaid", line="mobile").limit
    assert "Registered 51234567 to CHAN T** M**" in outcome and f"1 of {limit}" in outcome
    assert 'name="number" type="text" inputmode="tel" value=""' in done.text  # ready for the next customer

    again = client.post(SHOP, data={**ADULT, "csrf_token": staff})
    assert again.status_code == 422
    assert 'data-code="number_registered"' in again.text
    assert 'value="CHAN Tai Man"' in again.text  # a refusal keeps what was typed


def test_a_minor_opens_the_guardian_section_and_registers_with_a_guardian(client: Any, staff: str,
                                                                        runtime: Runtime) -> None:
    refreshed = client.post(f"{SHOP}/form", data={**CHILD, "csrf_token": staff})
    assert '<details id="guardian-part" open>' in refreshed.text and 'id="guardian-needed"' in refreshed.text
    adult = client.post(f"{SHOP}/form", data={**ADULT, "csrf_token": staff})
    assert '<details id="guardian-part" >' in adult.text and "guardian-needed" not in adult.text

    refused = client.post(SHOP, data={**CHILD, "csrf_token": staff})
    assert refused.status_code == 422 and 'data-code="minor_without_guardian"' in refused.text
    guardian = {"guardian_name": "CHAN Tai Man", "guardian_date_of_birth": "1980-01-01",
                "guardian_doc_type": "hkid", "guardian_doc_number": hkid("A", "123456"),
                "guardian_capture": "manual"}
    done = client.post(SHOP, data={**CHILD, **guardian, "csrf_token": staff})
    assert done.status_code == 200, text_of(done.text, "outcome")
    with unit_of_work(runtime.session_factory) as session:
        shown = views.number_view(session, vault=runtime.vault, policy=HONG_KONG, number="51234568")
    assert shown["registration"]["guardian"]["name"] == "CHAN T** M**"


def test_an_organisation_registers_through_a_handler_with_a_scanned_letter(client: Any, staff: str,
                                                                         runtime: Runtime) -> None:
    company = {**ADULT, "holder_kind": "organisation", "holder_name": "ACME Trading Limited",
               "holder_doc_type": "hk-br", "holder_doc_number": "12345678", "holder_date_of_birth": "",
               "handler_name": "WONG Siu Ming", "handler_date_of_birth": "1980-05-05",
               "handler_doc_type": "hkid",
               "handler_doc_number": hkid("B", "234567"), "handler_capture": "manual"}
    form = client.post(f"{SHOP}/form", data={**company, "csrf_token": staff})
    assert 'id="handler-part"' in form.text and 'id="guardian-part"' not in form.text
    no_letter = client.post(SHOP, data={**company, "csrf_token": staff})
    assert 'data-code="authorisation_letter_required"' in no_letter.text
    done = client.post(SHOP, data={**company, "csrf_token": staff},
                       files={"handler_letter_file": ("letter.pdf", b"%PDF-1.4 letter", "application/pdf")})
    assert done.status_code == 200, text_of(done.text, "outcome")
    with unit_of_work(runtime.session_factory) as session:
        shown = views.number_view(session, vault=runtime.vault, policy=HONG_KONG, number="51234567")
    assert shown["registration"]["authorisation_letter"] is True
    assert shown["registration"]["handler"]["name"] == "WONG S** M***"  # Siu -> S**, Ming -> M***


def test_a_form_with_fields_missing_lists_them(client: Any, staff: str) -> None:
    answer = client.post(SHOP, data={**ADULT, "holder_name": "", "csrf_token": staff})
    assert answer.status_code == 422
    assert "<code>holder.person.name</code>" in answer.text or "<code>holder.name</code>" in answer.text


def test_check_a_document_in_english_and_chinese(client: Any, staff: str) -> None:
    valid = client.post("/staff/realname/check-document",
                        data={"check_type": "hkid", "check_value": "A123456(3)", "csrf_token": staff})
    assert valid.status_code == 200 and 'data-valid="true"' in valid.text
    wrong = client.post("/staff/realname/check-document?lang=zh-Hant",
                        data={"check_type": "hkid", "check_value": "A123456(4)", "csrf_token": staff})
    assert wrong.status_code == 422 and "證件未能通過檢查" in wrong.text


def test_a_refusal_is_explained_whole_in_chinese(client: Any, staff: str) -> None:
    client.get(f"{SHOP}?lang=zh-Hant")
    refused = client.post(SHOP, data={**CHILD, "csrf_token": staff})
    outcome = text_of(refused.text, "outcome")
    assert "機主未滿 16 歲:須由一名成年人確認登記,並登記為監護人(香港實名登記政策)。" in outcome
    assert "The holder is under 16" not in outcome


def test_mainland_pages_speak_simplified_chinese_and_ask_for_the_address(client: Any,
                                                                         runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    make_operator(runtime, "cmcc", "China Mobile")
    sign_in(client, runtime, operator="cmcc")
    page = client.get(f"{SHOP}?lang=zh-Hans")
    assert '<html lang="zh-Hans">' in page.text and "电话用户实名登记" in page.text
    assert 'id="holder_address"' in page.text
    english = client.get(f"{SHOP}?lang=en")
    assert "中文(简体)" in english.text  # the switch offers Simplified Chinese under this policy


def test_the_queues_list_flags_and_close_them(client: Any, runtime: Runtime, sms: FakeSms) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    api = "/api/v1/realname/lookup"
    asked = client.post(f"{api}/codes", json={"document": {"type": "cn-resident-id", "number": CARD},
                                              "number": ZHANG_AT_CMCC[0]}).json()
    opened = client.post(f"{api}/codes/verify", json={"challenge": asked["challenge"],
                                                      "code": code_sent(sms, ZHANG_AT_CMCC[0])}).json()
    client.post(f"{api}/flags", json={"position": 2}, headers={"X-CSRF-Token": opened["csrf_token"]})

    token = sign_in(client, runtime, operator="cmcc")
    page = client.get("/staff/realname/queues?operator=cmcc")
    flags = text_of(page.text, "flags-title")
    assert ZHANG_AT_CMCC[1] in flags and "张*" in flags
    flag_id = re.search(r'data-flag="(\d+)"', page.text).group(1)
    empty = client.post(f"/staff/realname/flags/{flag_id}/close", data={"note": " ", "operator": "cmcc",
                                                                         "csrf_token": token})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    closed = client.post(f"/staff/realname/flags/{flag_id}/close",
                         data={"note": "Holder confirmed by phone", "operator": "cmcc", "csrf_token": token})
    assert closed.status_code == 200 and 'id="no-flags"' in closed.text
    assert "Holder confirmed by phone" in text_of(closed.text, "flags-title")


def test_the_public_lookup_page_is_not_offered_in_hong_kong(client: Any) -> None:
    answer = client.get("/realname/lookup")
    assert answer.status_code == 404 and "Traceback" not in answer.text


def test_the_public_lookup_page_end_to_end(client: Any, runtime: Runtime, sms: FakeSms) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    first = client.get("/realname/lookup?lang=zh-Hans")
    assert "一证通查" in first.text
    token = form_token(first.text)
    mistyped = CARD[:-1] + ("0" if CARD[-1] != "0" else "1")
    bad = client.post("/realname/lookup/code", data={"doc_type": "cn-resident-id", "document": mistyped,
                                                     "number": ZHANG_AT_CMCC[0], "csrf_token": token})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    sent = client.post("/realname/lookup/code", data={"doc_type": "cn-resident-id", "document": CARD,
                                                      "number": ZHANG_AT_CMCC[0], "csrf_token": token})
    assert 'id="code-form"' in sent.text and "13800******" in sent.text
    wrong = client.post("/realname/lookup/verify", data={"code": "12345x", "csrf_token": token})
    assert wrong.status_code == 422 and "还剩 4 次机会" in wrong.text
    shown = client.post("/realname/lookup/verify", data={"code": code_sent(sms, ZHANG_AT_CMCC[0]),
                                                         "csrf_token": token})
    assert 'data-operator="cmcc"' in shown.text and 'data-position="3"' in shown.text
    flagged = client.post("/realname/lookup/flags", data={"position": "3", "csrf_token": token})
    assert "已标记" in flagged.text
    ended = client.post("/realname/lookup/end", data={"csrf_token": token})
    assert 'id="ask-form"' in ended.text


class TestMainlandShop:
    """The shop page under the mainland policy: the resident ID card is never typed (notice 182: 必须采取二代身份证
    识别设备、联网核验等措施核验用户身份信息), an agent brings the holder's letter (代办(委托)授权书)."""

    CARD_FORM = {"operator": "cmcc", "number": "13800138000", "service": "postpaid", "line": "mobile",
                 "holder_kind": "person", "holder_name": "张三", "holder_date_of_birth": "1990-01-01",
                 "holder_doc_type": "cn-resident-id", "holder_doc_number": CARD,
                 "holder_address": "北京市东城区东长安街1号"}
    AGENT = {"agent_name": "李四", "agent_date_of_birth": "1970-05-05", "agent_doc_type": "cn-household-register",
             "agent_doc_number": resident_id(dt.date(1970, 5, 5), region="310101"),
             "agent_capture": "manual", "agent_address": "上海市黄浦区人民大道200号"}

    @pytest.fixture
    def clerk(self, client: Any, runtime: Runtime) -> str:
        runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
        make_operator(runtime, "cmcc", "China Mobile")
        token = sign_in(client, runtime, operator="cmcc")
        client.get(f"{SHOP}?lang=zh-Hans")
        return token

    def test_online_verification_is_done_by_the_page_and_recorded(self, client: Any, runtime: Runtime,
                                                                  clerk: str) -> None:
        page = client.get(SHOP)
        assert 'id="holder_doc_proof"' in page.text and 'id="agent_letter"' in page.text
        done = client.post(SHOP, data={**self.CARD_FORM, "holder_capture": "online_verification",
                                       "csrf_token": clerk})
        assert done.status_code == 200, text_of(done.text, "outcome")
        with unit_of_work(runtime.session_factory) as session:
            shown = views.number_view(session, vault=runtime.vault, policy=MAINLAND, number="13800138000")
            [registration] = session.scalars(select(Registration))
        assert shown["state"] == "active"
        assert registration.checks["holder"]["vouched_by"] == "register"

    def test_a_card_reader_capture_without_the_readers_proof_is_refused_in_chinese(self, client: Any,
                                                                                   clerk: str) -> None:
        refused = client.post(SHOP, data={**self.CARD_FORM, "holder_capture": "card_reader",
                                          "csrf_token": clerk})
        assert refused.status_code == 422
        assert 'data-code="capture_unproven"' in refused.text
        assert "机主的居民身份证申报为通过读卡器读取,但未附读卡器或联网核验出具的凭证" in text_of(refused.text, "outcome")

    def test_an_agent_without_the_holders_letter_is_refused_then_registers_with_it(self, client: Any,
                                                                                  clerk: str) -> None:
        booklet = {**self.CARD_FORM, "holder_doc_type": "cn-household-register", "holder_capture": "manual"}
        refused = client.post(SHOP, data={**booklet, **self.AGENT, "csrf_token": clerk})
        assert refused.status_code == 422 and 'data-code="agent_letter_required"' in refused.text
        assert "代办人须出示机主授权其代为办理登记的代办委托书" in text_of(refused.text, "outcome")
        done = client.post(SHOP, data={**booklet, **self.AGENT, "agent_letter": "代办委托书 2026-001",
                                       "csrf_token": clerk})
        assert done.status_code == 200 and 'data-status="registered"' in done.text

    def test_a_card_without_its_address_is_refused(self, client: Any, clerk: str) -> None:
        booklet = {**self.CARD_FORM, "holder_doc_type": "cn-household-register", "holder_capture": "manual",
                   "holder_address": ""}
        refused = client.post(SHOP, data={**booklet, "csrf_token": clerk})
        assert refused.status_code == 422 and 'data-code="required_field_missing"' in refused.text
        assert "须提供机主户口簿上记载的地址" in text_of(refused.text, "outcome")
