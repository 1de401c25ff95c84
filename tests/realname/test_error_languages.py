"""Real-name errors and refusals in the reader's language (issue 13 §1).

Every error and refusal of src/telreg/realname is raised with a sentence marked for the catalogs and its
values; the English stays what it always was (the API, the CLI and the records read it), and a page or a
request in Traditional or Simplified Chinese reads the whole sentence in Chinese — the nested pieces too (a
document's name, a check's reason, a quota's counter, the policy), never an English fragment. Storage tests
run on SQLite and PostgreSQL (the ``runtime`` and ``client`` fixtures).
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import telreg.realname
from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import Message
from telreg.realname import service, words
from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname.outcome import Outcome
from telreg.realname.policy import Policy
from telreg.realname.schemas import RegistrationRequest
from telreg.realname.verification import FakeVerifier
from telreg.runtime import Runtime
from tests.realname.documents.test_passport import SPECIMEN_TD3
from tests.realname.porting.helpers import registered, staff_headers, two_operators
from tests.realname.registration.helpers import (
    HONG_KONG,
    MAINLAND,
    hkid,
    make_operator,
    person,
    request,
    resident_id,
)
from tests.realname.registration.test_refusals import CASES
from tests.realname.verification.helpers import REGULATOR, login, staff_and_regulator
from tests.web.page_text import english_runs

CHINESE = ("zh-Hant", "zh-Hans")
REALNAME = Path(telreg.realname.__file__).parent
CHAN = "CHAN Tai Man"  # masked in refusals as CHAN T** M** (the surname shown)


def _register(runtime: Runtime, body: dict[str, Any], *, policy: Policy = HONG_KONG,
              verifier: FakeVerifier | None = None) -> Outcome:
    with unit_of_work(runtime.session_factory) as session:
        return service.register(session, vault=runtime.vault, policy=policy, clock=runtime.clock,
                                verifier=verifier or FakeVerifier(), request=RegistrationRequest(**body),
                                actor="test")


def _chinese(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Assert TEXT is Chinese with no run of English words left (names, numbers and codes aside)."""
    assert any("\u4e00" <= char <= "\u9fff" for char in text), text
    assert english_runs(text, names=names) == [], text
    return text


# ---- every raise is marked -------------------------------------------------------------------------------


def _messages() -> set[str]:
    """The names of the classes whose first sentence must be a marked template: every DomainError, the
    refusal, and the documents' and capture proofs' reasons."""
    for module in pkgutil.walk_packages(telreg.realname.__path__, "telreg.realname."):
        importlib.import_module(module.name)

    def below(cls: type) -> set[type]:
        return {cls}.union(*(below(sub) for sub in cls.__subclasses__()))

    return {cls.__name__ for cls in below(DomainError)} | {"Refused", "Rejected", "ProofInvalid"}


def _marked(node: ast.expr | None, assigned: dict[str, list[ast.expr]]) -> bool:
    """A sentence given as N_("…")/NP_("…"), one of two such, a template passed along (``x.template``, a
    ``Message`` reason), or a local name only ever bound to one of those."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id in ("N_", "NP_") and all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args)
    if isinstance(node, ast.IfExp):
        return _marked(node.body, assigned) and _marked(node.orelse, assigned)
    if isinstance(node, ast.Attribute):
        return node.attr in ("template", "reason")
    if isinstance(node, ast.BoolOp):  # "x.template or x.message": the English only when nothing was marked
        return _marked(node.values[0], assigned)
    if isinstance(node, ast.Name):
        values = assigned.get(node.id, [])
        return bool(values) and all(_marked(value, {}) for value in values)
    return False


def _unmarked_calls() -> list[str]:
    names, found = _messages(), []
    for path in sorted(REALNAME.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
            assigned: dict[str, list[ast.expr]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in names:
                    continue
                position = 1 if name == "Refused" else 0  # Refused(code, sentence, …)
                sentence = node.args[position] if len(node.args) > position else None
                if not _marked(sentence, assigned):
                    where = f"{path.relative_to(REALNAME)}:{node.lineno}"
                    found.append(f"{where} {name}({ast.unparse(sentence) if sentence else ''})")
    return sorted(set(found))


def test_every_error_and_refusal_of_the_context_is_raised_with_a_marked_sentence() -> None:
    assert _unmarked_calls() == []


def test_the_check_finds_an_f_string_a_plain_string_and_a_formatted_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "telreg_bad.py"
    bad.write_text(
        "def f(number, refusal):\n"
        "    raise NumberNotFound(f'Number {number} is not known.')\n"
        "    raise Refused('invalid_number', 'The number is not valid.')\n"
        "    raise Rejected('No number was given: %s' % number)\n"
        "    message = 'not marked'\n"
        "    raise InvalidInput(message)\n"
        "    raise InvalidInput(N_('Marked %(number)s.'), number=number)\n"
        "    raise Refused('quota_reached', refusal.template, **refusal.params)\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.REALNAME", tmp_path)
    assert [line.split(" ", 1)[0] for line in _unmarked_calls()] == [
        "telreg_bad.py:2", "telreg_bad.py:3", "telreg_bad.py:4", "telreg_bad.py:6"]


# ---- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_every_refusal_reads_whole_in_both_chinese_and_unchanged_in_english(runtime: Runtime,
                                                                             name: str) -> None:
    case = CASES[name]
    make_operator(runtime)
    if case.before:
        case.before(runtime)
    outcome = _register(runtime, case.body, policy=case.policy, verifier=FakeVerifier(flagged=case.flagged))
    assert outcome.refused and outcome.code == case.code
    assert outcome.reason_in("en") == outcome.reason and case.words in outcome.reason
    assert outcome.as_dict()["reason"] == outcome.reason  # the API's default: English
    for lang in CHINESE:
        assert outcome.as_dict(lang) == {**outcome.as_dict(), "reason": outcome.reason_in(lang)}
        _chinese(outcome.reason_in(lang) or "")


def test_an_invalid_document_names_the_party_the_document_and_the_checks_reason(runtime: Runtime) -> None:
    make_operator(runtime)
    outcome = _register(runtime, request(holder=person(number="A123456(4)")))
    assert outcome.reason == ("The holder's hkid is not valid: The check digit of the identity card number "
                              "does not match the rest: it was probably mistyped.")
    assert outcome.reason_in("zh-Hant") == "機主的香港身份證無效:身份證號碼的校驗碼與其餘部分不符:可能是輸入錯誤。"
    assert outcome.reason_in("zh-Hans") == "机主的香港身份证无效:身份证号码的校验码与其余部分不符:可能输入有误。"


def test_a_full_quota_is_told_with_its_numbers_the_counter_and_the_policy(runtime: Runtime) -> None:
    make_operator(runtime)
    limit = HONG_KONG.quota_for(holder_kind="person", service="prepaid", line="mobile").limit
    assert limit == 10
    for n in range(limit):
        assert not _register(runtime, request(f"5123456{n}", person(CHAN))).refused
    outcome = _register(runtime, request("61234567", person(CHAN)))
    assert outcome.code == "quota_reached"
    assert outcome.reason == "CHAN T** M** already holds 10 of 10 prepaid numbers with op1 (Hong Kong policy)"
    hant, hans = outcome.reason_in("zh-Hant") or "", outcome.reason_in("zh-Hans") or ""
    assert "CHAN T** M** 在 op1 已持有 10 個預付號碼,上限為 10 個(香港實名登記政策)" in hant
    assert "CHAN T** M** 在 op1 名下已有 10 个预付费号码,上限为 10 个(香港实名登记政策)" in hans
    for text in (hant, hans):
        _chinese(text, names=("CHAN T** M**",))


class TestMainland:
    """Under the mainland policy: the agent's letter, the capture proof, the address on the card."""

    CARD = resident_id(dt.date(1990, 1, 1))

    def _zhang(self, capture: str = "card_reader", **document: Any) -> dict[str, Any]:
        holder = person("张三", "1990-01-01", doc_type="cn-resident-id", number=self.CARD, capture=capture,
                        address="北京市东城区东长安街1号")
        holder["document"].update(document)
        return holder

    def test_an_agent_without_the_holders_letter(self, runtime: Runtime) -> None:
        make_operator(runtime, "cmcc", "China Mobile")
        agent = person("李四", "1970-05-05", doc_type="cn-household-register",
                       number=resident_id(dt.date(1970, 5, 5), region="310101"), capture="manual",
                       address="上海市黄浦区人民大道200号")
        booklet = self._zhang("manual", type="cn-household-register")
        outcome = _register(runtime, request("13800138000", booklet, operator="cmcc", agent=agent),
                            policy=MAINLAND)
        assert outcome.code == "agent_letter_required"
        assert outcome.reason_in("zh-Hans") == (
            "代办人须出示机主授权其代为办理登记的代办委托书(中国内地实名登记政策)。")
        assert outcome.reason_in("zh-Hant") == "代辦人須出示機主授權其代為辦理登記的授權書(中國內地實名登記政策)。"

    def test_a_capture_without_its_proof_and_with_a_proof_for_another_capture(self, runtime: Runtime) -> None:
        from telreg.realname import capture_proof

        make_operator(runtime, "cmcc", "China Mobile")
        unproven = _register(runtime, request("13800138000", self._zhang(), operator="cmcc"), policy=MAINLAND)
        assert unproven.code == "capture_unproven"
        assert "is declared read by a card reader" in unproven.reason
        assert unproven.reason_in("zh-Hans", ) == (
            "机主的居民身份证申报为通过读卡器读取,但未附读卡器或联网核验出具的凭证;按照中国内地实名登记政策,"
            "该证件禁止人工录入,因此须证明其读取方式。")
        proof = capture_proof.issue(runtime.vault, clock=runtime.clock, doc_type="cn-resident-id",
                                    normalised=self.CARD, capture="online_verification", device="register")
        other = _register(runtime, request("13800138000", self._zhang(proof=proof), operator="cmcc"),
                          policy=MAINLAND)
        assert other.code == "capture_proof_invalid"
        assert other.reason == ("The holder's capture proof vouches for a capture by online verification, "
                                "not by a card reader.")
        assert other.reason_in("zh-Hant") == "機主的讀取證明證明的是以聯網核驗讀取,而不是以讀卡器讀取。"
        for outcome in (unproven, other):
            for lang in CHINESE:
                _chinese(outcome.reason_in(lang) or "")

    def test_a_card_without_its_address(self, runtime: Runtime) -> None:
        make_operator(runtime, "cmcc", "China Mobile")
        booklet = self._zhang("manual", type="cn-household-register")
        del booklet["address"]
        outcome = _register(runtime, request("13800138000", booklet, operator="cmcc"), policy=MAINLAND)
        assert outcome.code == "required_field_missing"
        assert outcome.reason == ("The holder's address as printed on the cn-household-register is required "
                                  "under the Mainland China policy.")
        assert outcome.reason_in("zh-Hans") == "按照中国内地实名登记政策,须提供机主户口簿上记载的地址。"


# ---- documents -------------------------------------------------------------------------------------------

# A wrong value per kind of problem each checker names (form, length, characters, check digits, dates).
WRONG = [
    ("hkid", ""), ("hkid", "A12?456(3)"), ("hkid", "A12345"), ("hkid", "A12345(6)(3)"),
    ("hkid", "1A23456(3)"), ("hkid", "A123456(4)"), ("hk-br", ""), ("hk-br", "1234567?"),
    ("hk-br", "1234567"), ("hk-br", "12345678-000-1"), ("hk-br", "12345678-000-13-26-A"),
    ("cn-resident-id", ""), ("cn-resident-id", "110105900101002"), ("cn-resident-id", "11010519900101"),
    ("cn-resident-id", "11010519900101002A"), ("cn-resident-id", resident_id(dt.date(1990, 1, 1))[:-1] + "0"),
    ("cn-resident-id", resident_id(dt.date(1990, 1, 1), region="990105")),
    ("cn-resident-id", resident_id(dt.date(2030, 1, 1))),
    ("cn-military-id", ""), ("cn-military-id", "军字第12号"), ("cn-armed-police-id", ""),
    ("mtp-hk-macao", ""), ("mtp-hk-macao", "X12345678"), ("mtp-hk-macao", "H123"),
    ("mtp-taiwan", ""), ("mtp-taiwan", "1234"),
    ("passport", ""), ("passport", "E1234-567"), ("passport", "E1234567890"),
    ("passport-mrz", "P<UTO"), ("passport-mrz", SPECIMEN_TD3.replace("<", "?", 1)),
    ("passport-mrz", SPECIMEN_TD3.replace("L898902C3", "L898902C4")),
    ("cn-orgcode", ""), ("cn-orgcode", "D214?569-X"), ("cn-orgcode", "D2143569"),
    ("cn-orgcode", "D2143569-1"), ("cn-uscc", ""), ("cn-uscc", "9131000"), ("cn-uscc", "91310000I11111111I"),
    ("cn-uscc", "91AB0000111111111X"),
]


@pytest.mark.parametrize(("doc_type", "value"), WRONG)
def test_each_document_reason_reads_whole_in_both_chinese(doc_type: str, value: str) -> None:
    checked = check_document(doc_type, value, on=dt.date(2026, 3, 2))
    assert not checked.valid and isinstance(checked.reason, Message)
    assert checked.reason.in_language("en") == checked.reason
    for lang in CHINESE:
        _chinese(checked.reason.in_language(lang))


def test_the_wrong_values_reach_every_checker() -> None:
    assert {doc_type for doc_type, _ in WRONG} >= set(DOCUMENT_TYPES) - {"cn-temporary-resident-id",
                                                                         "cn-household-register"}


def test_an_unknown_document_type_lists_the_known_ones_by_name() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_document("driving-licence", "X")
    assert "known types are: hkid, cn-resident-id" in caught.value.message
    hant = caught.value.message_in("zh-Hant")
    assert "未知的證件類別 'driving-licence'" in hant and "香港身份證、居民身份證" in hant


# ---- words -----------------------------------------------------------------------------------------------


def test_the_nested_words_keep_their_english_and_read_as_words_in_chinese() -> None:
    counter = words.counter("postpaid:data-only+mobile")
    assert counter == "postpaid numbers (data-only, mobile lines)"
    assert counter.in_language("zh-Hant") == "月費號碼(只限數據、流動電話線路)"
    assert counter.in_language("zh-Hans") == "后付费号码(仅数据、移动电话线路)"
    assert words.counter("any") == "numbers" and words.counter("any").in_language("zh-Hans") == "号码"
    label = words.policy_label("hong-kong")
    assert (label, label.in_language("zh-Hant")) == ("Hong Kong policy", "香港實名登記政策")
    assert words.policy_label("atlantis") == "Atlantis policy"
    assert words.policy_label("atlantis").in_language("zh-Hans") == "Atlantis 政策"
    assert words.and_list(["a", "b", "c"]) == "a, b and c"
    assert words.and_list(["a", "b", "c"]).in_language("zh-Hant") == "a、b及c"
    assert words.document("hkid") == "hkid" and words.document("hkid", quoted=True) == "'hkid'"
    assert words.document("driving-licence", quoted=True) == "'driving-licence'"


# ---- over HTTP: the API's refusals and errors ------------------------------------------------------------

API = "/api/v1/realname"


def test_an_api_refusal_reads_in_the_accept_language_and_keeps_its_code(client: Any,
                                                                        runtime: Runtime) -> None:
    make_operator(runtime)
    staff_and_regulator(runtime)
    clerk = login(client, "clerk.chan")
    body = request(holder=person(number="A123456(4)"))
    english = client.post(f"{API}/registrations", json=body, headers=clerk)
    assert english.status_code == 422 and english.headers["content-language"] == "en"
    reason = ("The holder's hkid is not valid: The check digit of the identity card number does not match the "
              "rest: it was probably mistyped.")
    assert english.json() == {"status": "refused", "code": "invalid_document", "party": "holder",
                              "reason": reason, "error": "invalid_document", "detail": reason}  # issue 14
    for lang, header in (("zh-Hant", "zh-HK,zh;q=0.9,en;q=0.5"), ("zh-Hans", "zh-CN")):
        answer = client.post(f"{API}/registrations", json=body, headers={**clerk, "Accept-Language": header})
        assert answer.status_code == 422 and answer.headers["content-language"] == lang
        assert {**answer.json(), "reason": "", "detail": ""} == {**english.json(), "reason": "", "detail": ""}
        _chinese(answer.json()["reason"])


def test_porting_errors_read_in_the_accept_language(client: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    recipient = staff_headers(client, runtime, "clerk.two", operator="op2")
    body = {"operator": "op2", "number": "51234567", "document": {"type": "hkid", "number": "A123456(4)"}}
    wrong = client.post(f"{API}/ports", json=body, headers={**recipient, "Accept-Language": "zh-Hant"})
    assert wrong.status_code == 422 and wrong.json()["error"] == "invalid_input"
    assert wrong.json()["detail"] == ("機主的證件不是有效的香港身份證:身份證號碼的校驗碼與其餘部分不符:"
                                      "可能是輸入錯誤。")
    unknown = client.post(f"{API}/ports/999/cancel", json={"operator": "op2"},
                          headers={**recipient, "Accept-Language": "zh-CN"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_port"
    assert unknown.json()["detail"] == "没有携转申请 999。"
    assert client.post(f"{API}/ports/999/cancel", json={"operator": "op2"},
                       headers=recipient).json()["detail"] == "There is no port request 999."


def test_verification_flag_errors_read_in_the_accept_language(client: Any, runtime: Runtime) -> None:
    staff_and_regulator(runtime)
    regulator = login(client, REGULATOR)
    gone = client.delete(f"{API}/verification/flags/999999",
                         headers={**regulator, "Accept-Language": "zh-Hant"})
    assert gone.status_code == 404 and gone.json()["error"] == "unknown_flag"
    assert gone.json()["detail"] == "沒有核驗標記 999999。"
    rows = [{"doc_type": "hkid", "number": hkid("A", "123456"), "result": "stolen", "reason": ""}]
    bad = client.post(f"{API}/verification/flags", json={"rows": rows},
                      headers={**regulator, "Accept-Language": "zh-Hans"})
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert detail.startswith("请求未载入(共 2 个问题),未记录任何数据:")
    assert "第 1 条:结果 'stolen' 不是" in detail and "第 1 条:请提供原因:报告的来源" in detail
    _chinese(detail)
    english = client.post(f"{API}/verification/flags", json={"rows": rows}, headers=regulator).json()
    assert english["detail"].startswith("the request was not loaded (2 problem(s)); nothing was recorded:")
    assert [p["message"] for p in english["problems"]] == [
        "result 'stolen' is not one of forged, lost, impostor",
        "give the reason: where the report came from"]
