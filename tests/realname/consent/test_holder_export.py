"""The holder exports their own consent history after proving their identity in the one-identity lookup (a
mainland service: these tests run the deployment under the mainland-China policy)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from telreg.config import Settings
from telreg.core.notify import FakeSms
from telreg.runtime import Runtime
from tests.realname.lookup.helpers import CARD, LI_AT_CMCC, ZHANG_AT_CMCC, ZHANG_AT_CUCC, code_sent, holdings
from tests.web.conftest import form_token

from .helpers import PURPOSE, give, staff_user

LOOKUP = "/api/v1/realname/lookup"
EXPORT = "/api/v1/realname/consents/export"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"realname_policy": "mainland-china"})


def _prove(client: Any, sms: FakeSms) -> None:
    asked = client.post(f"{LOOKUP}/codes", json={"document": {"type": "cn-resident-id", "number": CARD},
                                                 "number": ZHANG_AT_CMCC[0]})
    assert asked.status_code == 202, asked.text
    opened = client.post(f"{LOOKUP}/codes/verify", json={"challenge": asked.json()["challenge"],
                                                         "code": code_sent(sms, ZHANG_AT_CMCC[0])})
    assert opened.status_code == 200, opened.text


def test_the_proved_holder_exports_every_instruction_of_theirs(client: Any, runtime: Runtime, sms: FakeSms) -> None:
    holdings(runtime)
    runtime.clock.advance(days=2)
    cmcc, cucc = staff_user("clerk.li", operator="cmcc"), staff_user("clerk.wang", operator="cucc")
    give(runtime, ZHANG_AT_CMCC[2], "granted", user=cmcc, channel="web")
    runtime.clock.advance(hours=1)
    give(runtime, ZHANG_AT_CMCC[0], "withdrawn", user=cmcc, channel="sms")
    give(runtime, ZHANG_AT_CUCC[0], "granted", user=cucc, channel="letter", reference="PAPER-9")
    give(runtime, LI_AT_CMCC, "granted", user=cmcc)  # another holder's

    assert client.get(EXPORT).json()["error"] == "lookup_access_ended"  # no proof, no export
    _prove(client, sms)
    as_json = client.get(EXPORT)
    assert as_json.status_code == 200 and as_json.headers["cache-control"] == "no-store"
    instructions = as_json.json()["instructions"]
    assert [(i["controller_name"], i["purpose"], i["decision"], i["channel"], i["reference"])
            for i in instructions] == [("China Mobile", PURPOSE, "granted", "web", None),
                                       ("China Mobile", PURPOSE, "withdrawn", "sms", None),
                                       ("China Unicom", PURPOSE, "granted", "letter", "PAPER-9")]
    assert {(f["controller_code"], f["decision"]) for f in as_json.json()["in_force"]} == {
        ("cmcc", "withdrawn"), ("cucc", "granted")}

    as_csv = client.get(EXPORT, params={"format": "csv"}, headers={"Accept-Language": "zh-CN"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["decision"] for row in table] == ["granted", "withdrawn", "granted"]
    assert table[0]["purpose_name"] == "增值业务营销" and table[0]["controller_name"] == "China Mobile"
    assert client.get(EXPORT, params={"format": "xml"}).status_code == 422


def test_the_lookup_pages_proved_view_links_to_the_consent_export(client: Any, runtime: Runtime,
                                                                   sms: FakeSms) -> None:
    holdings(runtime)
    runtime.clock.advance(days=2)
    give(runtime, ZHANG_AT_CMCC[1], "granted", user=staff_user("clerk.li", operator="cmcc"))
    token = form_token(client.get("/realname/lookup?lang=zh-Hans").text)
    client.post("/realname/lookup/code", data={"doc_type": "cn-resident-id", "document": CARD,
                                               "number": ZHANG_AT_CMCC[0], "csrf_token": token})
    shown = client.post("/realname/lookup/verify", data={"code": code_sent(sms, ZHANG_AT_CMCC[0]),
                                                         "csrf_token": token})
    assert shown.status_code == 200
    section = shown.text[shown.text.index('id="your-consents"'):]
    assert "你的同意" in section and 'href="/api/v1/realname/consents/export?format=csv"' in section
    exported = client.get("/api/v1/realname/consents/export", params={"format": "csv"})
    assert exported.status_code == 200 and exported.text.count("\n") == 2  # the header and the one grant
