"""`telreg realname operator|register|transfer|terminate|show` end to end, in process, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.realname.models import Number, Refusal
from telreg.runtime import Runtime

from .helpers import hkid, person, proved, request, resident_id

STABLE_EXAMPLE = {"operator": "op1", "number": "51234567", "service": "prepaid", "holder": {
    "kind": "person", "name": "CHAN Tai Man", "date_of_birth": "1990-01-01",
    "document": {"type": "hkid", "number": "A123456(3)"}}}


def _file(tmp_path: Path, body: Any, name: str = "request.json") -> str:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return str(path)


def _rows(runtime: Runtime, model: type) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_operator_add_and_list(cli: Any) -> None:
    assert cli("realname", "operator", "add", "op1", "--name", "Operator One") == (
        0, "added operator op1 (Operator One)\n", "")
    code, _, err = cli("realname", "operator", "add", "op1", "--name", "Another")
    assert code == 1 and err == "operator op1 exists"
    code, out, _ = cli("realname", "operator", "list", "--json")
    assert code == 0 and json.loads(out) == [{"code": "op1", "name": "Operator One"}]


def test_register_prints_the_outcome_registered_or_refused(cli: Any, tmp_path: Path) -> None:
    cli("realname", "operator", "add", "op1", "--name", "Operator One")
    code, out, _ = cli("realname", "register", "--request", _file(tmp_path, STABLE_EXAMPLE))
    assert code == 0
    outcome = json.loads(out)
    assert outcome["status"] == "registered" and outcome["number"] == "51234567"
    assert outcome["holder"]["name"] == "CHAN T** M**" and outcome["quota"] == {"held": 1, "limit": 10}

    code, out, _ = cli("realname", "register", "--request", _file(tmp_path, STABLE_EXAMPLE))
    assert code == 0  # a refusal is an answer
    refused = json.loads(out)
    assert refused["status"] == "refused" and refused["code"] == "number_registered"
    assert list(refused)[:3] == ["status", "reason", "code"]

    code, out, _ = cli("realname", "show", "51234567")
    shown = json.loads(out)
    assert code == 0
    assert shown["registration"]["holder"]["document"] == {"type": "hkid", "number": "A123***(*)"}
    assert "CHAN Tai Man" not in out and "A123456" not in out


def test_a_request_of_the_wrong_shape_exits_1_and_writes_nothing(cli: Any, runtime: Runtime,
                                                                 tmp_path: Path) -> None:
    cli("realname", "operator", "add", "op1", "--name", "Operator One")
    no_holder = {k: v for k, v in STABLE_EXAMPLE.items() if k != "holder"}
    code, out, err = cli("realname", "register", "--request", _file(tmp_path, no_holder))
    assert (code, out) == (1, "")
    assert "is not valid" in err and "holder: Field required" in err

    gold = {**STABLE_EXAMPLE, "service": "gold"}
    code, _, err = cli("realname", "register", "--request", _file(tmp_path, gold))
    assert code == 1 and "service: Input should be 'prepaid' or 'postpaid'" in err

    code, _, err = cli("realname", "register", "--request", _file(tmp_path, '{"operator": "op1",'))
    assert code == 1 and "is not JSON" in err and "line 1" in err

    code, _, err = cli("realname", "register", "--request", str(tmp_path / "missing.json"))
    assert code == 1 and "cannot be read" in err
    assert _rows(runtime, Refusal) == 0 and _rows(runtime, Number) == 0


def test_as_of_moves_the_day_of_the_checks(cli: Any, tmp_path: Path) -> None:
    cli("realname", "operator", "add", "op1", "--name", "Operator One")
    teenager = request(holder=person("CHAN Siu Ling", "2010-03-03", number=hkid("C", "345678")))
    path = _file(tmp_path, teenager)
    code, out, _ = cli("realname", "register", "--request", path)  # the clock's day: 2026-03-02, still 15
    assert code == 0 and json.loads(out)["code"] == "minor_without_guardian"
    code, out, _ = cli("realname", "register", "--request", path, "--as-of", "2026-03-03T09:00")
    assert code == 0 and json.loads(out)["status"] == "registered"


def test_transfer_and_terminate(cli: Any, tmp_path: Path) -> None:
    cli("realname", "operator", "add", "op1", "--name", "Operator One")
    cli("realname", "register", "--request", _file(tmp_path, STABLE_EXAMPLE))
    new_holder = {"operator": "op1", "number": "51234567",
                  "holder": person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))}
    code, out, _ = cli("realname", "transfer", "--request", _file(tmp_path, new_holder, "transfer.json"))
    assert code == 0 and json.loads(out)["status"] == "transferred"

    code, out, _ = cli("realname", "terminate", "51234567", "--operator", "op1")
    assert code == 0 and json.loads(out)["due_by"] == "2026-03-03"
    code, _, err = cli("realname", "terminate", "51234567", "--operator", "op1")
    assert code == 1 and "already terminated on 2026-03-02" in err


def test_the_policy_comes_from_the_settings(cli: Any, runtime: Runtime, tmp_path: Path) -> None:
    runtime.settings.realname_policy = "mainland-china"  # TELREG_REALNAME_POLICY
    cli("realname", "operator", "add", "cmcc", "--name", "China Mobile")
    holder = person("张三", "1990-01-01", doc_type="cn-resident-id", number=resident_id(dt.date(1990, 1, 1)),
                    address="北京市东城区东长安街1号")
    body = request("13800138000", holder, operator="cmcc", service="postpaid")
    code, out, _ = cli("realname", "register", "--request", _file(tmp_path, body))
    assert code == 0 and json.loads(out)["code"] == "manual_entry_forbidden"
    holder["document"]["capture"] = "card_reader"
    body["holder"] = proved(runtime, holder)  # with the reader's proof of the capture (capture_proof.py)
    code, out, _ = cli("realname", "register", "--request", _file(tmp_path, body))
    assert code == 0 and json.loads(out)["quota"] == {"held": 1, "limit": 5}
    code, out, _ = cli("realname", "policy", "show")  # wired in; it reads the process's own settings
    assert code == 0 and out.startswith("policy ")
