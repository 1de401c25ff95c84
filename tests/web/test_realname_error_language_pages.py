"""The real-name pages say a refusal or an error whole in the page's language (issue 13 §1): the shop's
refusals (an invalid document, a full quota with its numbers, the agent's letter, an unproven capture), the
document check, a form's problems, the porting page and the public lookup read in Traditional Chinese (Hong
Kong) and Simplified Chinese (mainland), with no English sentence beside or inside them; the English page
reads as it always did. Over HTTP, on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.realname.lookup.helpers import CARD, holdings
from tests.realname.porting.helpers import CHAN_HKID, NUMBER, registered, two_operators
from tests.realname.registration.helpers import hkid, make_operator, person, request, resident_id, submit
from tests.web.conftest import form_token
from tests.web.page_text import english_runs
from tests.web.test_realname_pages import ADULT, SHOP, sign_in

CHINESE = ["zh-Hant", "zh-Hans"]


def _box(page: str, element_id: str) -> str:
    """The text a person reads in the element with this id (a page's outcome or problem box)."""
    assert f'id="{element_id}"' in page, f"no #{element_id} on the page"
    start = page.index(f'id="{element_id}"')
    depth, position = 1, page.index(">", start) + 1
    for tag in re.finditer(r"<(/?)div\b[^>]*>", page[position:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            inner = page[position:position + tag.start()]
            return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
    raise AssertionError(f"#{element_id} is not closed")


def _chinese(text: str, *, names: tuple[str, ...] = ()) -> str:
    assert any("\u4e00" <= char <= "\u9fff" for char in text), text
    assert english_runs(text, names=names) == [], text
    return text


@pytest.fixture
def staff(client: Any, runtime: Runtime) -> str:
    make_operator(runtime)
    return sign_in(client, runtime)


INVALID = {"zh-Hant": "機主的香港身份證無效:身份證號碼的校驗碼與其餘部分不符:可能是輸入錯誤。",
           "zh-Hans": "机主的香港身份证无效:身份证号码的校验码与其余部分不符:可能输入有误。"}
QUOTA = {"zh-Hant": "CHAN T** M** 在 op1 已持有 10 個預付號碼,上限為 10 個(香港實名登記政策)。",
         "zh-Hans": "CHAN T** M** 在 op1 名下已有 10 个预付费号码,上限为 10 个(香港实名登记政策)。"}


@pytest.mark.parametrize("lang", CHINESE)
def test_an_invalid_document_is_refused_whole_in_the_pages_chinese(client: Any, staff: str,
                                                                    lang: str) -> None:
    client.get(SHOP, params={"lang": lang})
    refused = client.post(SHOP, data={**ADULT, "holder_doc_number": "A123456(4)", "csrf_token": staff})
    assert refused.status_code == 422 and f'<html lang="{lang}">' in refused.text
    assert 'data-code="invalid_document"' in refused.text and 'class="original"' not in refused.text
    outcome = _box(refused.text, "outcome")
    assert INVALID[lang] in outcome and "check digit" not in outcome
    _chinese(outcome)


def test_the_english_page_keeps_the_services_english_sentence(client: Any, staff: str) -> None:
    refused = client.post(SHOP, params={"lang": "en"},
                          data={**ADULT, "holder_doc_number": "A123456(4)", "csrf_token": staff})
    assert ("The holder's hkid is not valid: The check digit of the identity card number does not match the "
            "rest: it was probably mistyped.") in _box(refused.text, "outcome")


@pytest.mark.parametrize("lang", CHINESE)
def test_a_full_quota_is_refused_with_its_numbers_in_the_pages_chinese(client: Any, runtime: Runtime,
                                                                       staff: str, lang: str) -> None:
    for n in range(10):
        assert submit(runtime, request(f"5123456{n}", person("CHAN Tai Man")))["status"] == "registered"
    client.get(SHOP, params={"lang": lang})
    refused = client.post(SHOP, data={**ADULT, "number": "61234567", "csrf_token": staff})
    assert refused.status_code == 422 and 'data-code="quota_reached"' in refused.text
    outcome = _box(refused.text, "outcome")
    assert QUOTA[lang] in outcome
    _chinese(outcome, names=("CHAN T** M**",))


@pytest.mark.parametrize("lang", CHINESE)
def test_the_document_check_and_a_forms_problems_read_in_the_pages_chinese(client: Any, staff: str,
                                                                           lang: str) -> None:
    client.get(SHOP, params={"lang": lang})
    wrong = client.post("/staff/realname/check-document",
                        data={"check_type": "hk-br", "check_value": "1234567", "csrf_token": staff})
    assert wrong.status_code == 422
    reason = re.search(r'data-valid="false">.*?</p>\s*<p>(.*?)</p>', wrong.text, re.S)
    assert reason is not None
    _chinese(html.unescape(reason.group(1)))
    assert "starts with 7 digits" not in wrong.text

    missing = client.post(SHOP, data={**ADULT, "holder_name": "", "holder_date_of_birth": "1990-13-01",
                                      "csrf_token": staff})
    assert missing.status_code == 422
    problems = re.findall(r"<li><code>(.*?)</code>: (.*?)</li>", missing.text)
    assert len(problems) == 2, missing.text
    shown = " ".join(html.unescape(f"{field} {problem}") for field, problem in problems)
    assert {"zh-Hant": "機主 › 個人 › 姓名", "zh-Hans": "机主 › 个人 › 姓名"}[lang] in shown
    assert {"zh-Hant": "必須填寫。", "zh-Hans": "必须填写。"}[lang] in shown
    _chinese(shown)
    _chinese(_box(missing.text, "outcome"))


class TestMainland:
    """The mainland shop, read in Simplified Chinese (its language) and in Traditional Chinese."""

    CARD_FORM = {"operator": "cmcc", "number": "13800138000", "service": "postpaid", "line": "mobile",
                 "holder_kind": "person", "holder_name": "张三", "holder_date_of_birth": "1990-01-01",
                 "holder_doc_type": "cn-resident-id", "holder_doc_number": resident_id(dt.date(1990, 1, 1)),
                 "holder_address": "北京市东城区东长安街1号"}
    AGENT = {"agent_name": "李四", "agent_date_of_birth": "1970-05-05",
             "agent_doc_type": "cn-household-register",
             "agent_doc_number": resident_id(dt.date(1970, 5, 5), region="310101"),
             "agent_capture": "manual", "agent_address": "上海市黄浦区人民大道200号"}
    LETTER = {"zh-Hans": "代办人须出示机主授权其代为办理登记的代办委托书(中国内地实名登记政策)。",
              "zh-Hant": "代辦人須出示機主授權其代為辦理登記的授權書(中國內地實名登記政策)。"}
    UNPROVEN = {"zh-Hans": "机主的居民身份证申报为通过读卡器读取,但未附读卡器或联网核验出具的凭证;"
                           "按照中国内地实名登记政策,该证件禁止人工录入,因此须证明其读取方式。",
                "zh-Hant": "機主的居民身份證申報為以讀卡器讀取,但沒有附上讀卡器或聯網核驗發出的證明;"
                           "根據中國內地實名登記政策,此證件不可人手輸入,因此須證明其讀取方式。"}

    @pytest.fixture
    def clerk(self, client: Any, runtime: Runtime) -> str:
        runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
        make_operator(runtime, "cmcc", "China Mobile")
        return sign_in(client, runtime, operator="cmcc")

    @pytest.mark.parametrize("lang", CHINESE)
    def test_an_agent_without_the_holders_letter(self, client: Any, clerk: str, lang: str) -> None:
        client.get(SHOP, params={"lang": lang})
        booklet = {**self.CARD_FORM, "holder_doc_type": "cn-household-register", "holder_capture": "manual"}
        refused = client.post(SHOP, data={**booklet, **self.AGENT, "csrf_token": clerk})
        assert refused.status_code == 422 and 'data-code="agent_letter_required"' in refused.text
        outcome = _box(refused.text, "outcome")
        assert self.LETTER[lang] in outcome
        _chinese(outcome)

    @pytest.mark.parametrize("lang", CHINESE)
    def test_a_card_reader_capture_without_its_proof(self, client: Any, clerk: str, lang: str) -> None:
        client.get(SHOP, params={"lang": lang})
        refused = client.post(SHOP, data={**self.CARD_FORM, "holder_capture": "card_reader",
                                          "csrf_token": clerk})
        assert refused.status_code == 422 and 'data-code="capture_unproven"' in refused.text
        outcome = _box(refused.text, "outcome")
        assert self.UNPROVEN[lang] in outcome and "declared read" not in outcome
        _chinese(outcome)


@pytest.mark.parametrize("lang", CHINESE)
def test_the_porting_page_says_a_refusal_whole_in_its_chinese(client: Any, runtime: Runtime,
                                                               lang: str) -> None:
    two_operators(runtime)
    registered(runtime)
    token = sign_in(client, runtime, operator="op2")
    client.get("/staff/realname/ports", params={"lang": lang})
    ask = {"operator": "op2", "number": NUMBER, "doc_type": "hkid", "doc_number": hkid("B", "234567"),
           "csrf_token": token}
    wrong = client.post("/staff/realname/ports", data=ask)
    assert wrong.status_code == 422 and 'data-code="not_holder"' in wrong.text
    said = _box(wrong.text, "port-error")
    assert {"zh-Hant": f"所提供的證件並非號碼 {NUMBER} 登記時所用的證件",
            "zh-Hans": f"所提供的证件不是号码 {NUMBER} 登记时所用的证件"}[lang] in said
    _chinese(said)
    assert CHAN_HKID not in wrong.text.split('id="port-error"')[1].split("</div>")[0]


@pytest.mark.parametrize("lang", CHINESE)
def test_the_public_lookup_says_an_invalid_document_in_its_chinese(client: Any, runtime: Runtime,
                                                                  lang: str) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    page = client.get("/realname/lookup", params={"lang": lang})
    wrong = client.post("/realname/lookup/code", data={
        "doc_type": "cn-resident-id", "document": CARD[:-1] + ("0" if CARD[-1] != "0" else "1"),
        "number": "13800138000", "csrf_token": form_token(page.text)})
    assert wrong.status_code == 422
    said = _box(wrong.text, "lookup-error")
    assert {"zh-Hant": "居民身份證號碼無效:居民身份號碼的校驗碼與其餘部分不符",
            "zh-Hans": "居民身份证号码无效:居民身份号码的校验码与其余部分不符"}[lang] in said
    _chinese(said)
