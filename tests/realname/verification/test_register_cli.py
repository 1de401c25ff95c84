"""`telreg realname verification load|withdraw|list` in process, on SQLite and PostgreSQL.

Seed 003, Order No. 25: 冒用他人的证件,或者使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续 —
the officer's register of such documents is loaded from a file all or nothing, and a flag can be withdrawn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from telreg.realname.verification import VerificationResult, verifier_for
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, make_operator, person, request, submit
from tests.web.conftest import make_officer

from .helpers import FORGED_HKID, IMPOSTOR_HKID, LOST_HKID, REGULATOR

HEADER = "doc_type,number,result,reason,owner_name\n"


@pytest.fixture(autouse=True)
def _regulator(runtime: Runtime) -> None:
    make_officer(runtime, username=REGULATOR, roles=("regulator",))
    make_officer(runtime, username="clerk.chan", roles=("operator-staff",), operator="op1")


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "flags.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _listed(cli: Any, *options: str) -> list[dict[str, Any]]:
    code, out, _ = cli("realname", "verification", "list", "--json", *options)
    assert code == 0
    return json.loads(out)


def test_a_bad_file_loads_nothing_and_names_every_bad_line(cli: Any, tmp_path: Path) -> None:
    text = (HEADER + f"hkid,{FORGED_HKID},forged,seized,\n"
            + "hkid,A123456(4),lost,reported,\n"                   # line 3: check digit
            + "\n"                                                   # a blank line is skipped, still counted
            + f"hkid,{LOST_HKID},lost\n"                             # line 5: too few fields
            + f'hkid,"{IMPOSTOR_HKID}",impostor,"reported,\nby phone",KWOK Mei Ling\n'  # 6-7: one, good
            + "cn-resident-id,12345,forged,seized,\n")             # line 8: too short for a resident ID
    code, _, err = cli("realname", "verification", "load", _file(tmp_path, text), "--officer", REGULATOR)
    assert code == 1
    assert "flags.csv was not loaded (3 problem(s)); nothing was recorded" in err
    assert [line.split(":")[0] for line in err.splitlines()[1:]] == ["line 3", "line 5", "line 8"]
    assert _listed(cli, "--all") == []


def test_a_file_loads_again_unchanged_and_a_changed_result_replaces_the_flag(cli: Any, tmp_path: Path,
                                                                           runtime: Runtime) -> None:
    first = HEADER + f"hkid,{FORGED_HKID},forged,seized,\nhkid,{LOST_HKID},lost,reported,\n"
    code, out, _ = cli("realname", "verification", "load", _file(tmp_path, first), "--officer", REGULATOR,
                       "--json")
    assert code == 0 and json.loads(out)["added"] == 2
    code, out, _ = cli("realname", "verification", "load", _file(tmp_path, first), "--officer", REGULATOR,
                       "--json")
    assert (json.loads(out)["added"], json.loads(out)["unchanged"]) == (0, 2)

    # The card reported lost turns out to be in an impostor's hands.
    second = HEADER + f"hkid,{LOST_HKID},impostor,used by someone else,WONG Siu Ming\n"
    code, out, _ = cli("realname", "verification", "load", _file(tmp_path, second), "--officer", REGULATOR)
    assert code == 0 and "loaded 1 flag(s), of which 1 replaced a flag in force" in out
    in_force = {flag["document"]: flag["result"] for flag in _listed(cli)}
    assert in_force == {"P100***(*)": "forged", "R200***(*)": "impostor"}
    assert [flag["result"] for flag in _listed(cli, "--all") if not flag["in_force"]] == ["lost"]

    make_operator(runtime)
    outcome = submit(runtime, request(holder=person(number=LOST_HKID)), verifier=verifier_for(runtime))
    assert outcome["code"] == "identity_impostor"


def test_withdraw_by_document_and_who_may(cli: Any, tmp_path: Path, runtime: Runtime) -> None:
    cli("realname", "verification", "load", _file(tmp_path, HEADER + f"hkid,{FORGED_HKID},forged,seized,\n"),
        "--officer", REGULATOR)
    code, _, err = cli("realname", "verification", "withdraw", "hkid", FORGED_HKID, "--officer", "clerk.chan")
    assert code == 1 and "regulator" in err
    code, out, _ = cli("realname", "verification", "withdraw", "hkid", FORGED_HKID.lower(), "--officer",
                       REGULATOR)
    assert code == 0 and out.startswith("withdrew flag #") and "P100***(*)" in out
    code, _, err = cli("realname", "verification", "withdraw", "hkid", FORGED_HKID, "--officer", REGULATOR)
    assert code == 1 and "No flag is in force for this hkid" in err
    code, _, err = cli("realname", "verification", "withdraw", "hkid", hkid("P", "100001")[:-2] + "0)",
                       "--officer", REGULATOR)
    assert code == 1 and "not valid" in err
    assert _listed(cli) == []
    verifier = verifier_for(runtime)
    with runtime.session_factory() as session:
        normalised = FORGED_HKID.replace("(", "").replace(")", "")
        verdict = verifier.verify(session=session, doc_type="hkid", normalised=normalised, name="X",
                                  date_of_birth=None, capture="manual")
    assert verdict.result is VerificationResult.verified


def test_the_officer_must_keep_the_register(cli: Any, tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + f"hkid,{FORGED_HKID},forged,seized,\n")
    code, _, err = cli("realname", "verification", "load", path, "--officer", "clerk.chan")
    assert code == 1 and "regulator" in err
    assert _listed(cli) == []
