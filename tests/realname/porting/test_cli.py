"""`telreg realname port request|confirm|reject|cancel|list` end to end, in process, on both backends.

Seed 004 Q4.3: 毋須就轉攜至其他營辦商的號碼重新登記 — the same services as the API, from an operator's terminal.
"""

from __future__ import annotations

import json
from typing import Any

from telreg.runtime import Runtime

from .helpers import CHAN_HKID, NUMBER, history, registered, two_operators


def _request(cli: Any, number: str = NUMBER, operator: str = "op2") -> tuple[int, str, str]:
    return cli("realname", "port", "request", number, "--operator", operator, "--doc-type", "hkid",
               "--doc-number", CHAN_HKID)


def test_request_list_and_confirm(cli: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    code, out, _ = _request(cli)
    assert code == 0
    port = json.loads(out)
    assert (port["state"], port["requested_by"]) == ("requested", "cli")
    assert port["holder"]["name"] == "CHAN T** M**"

    code, out, _ = cli("realname", "port", "list", "--operator", "op1", "--state", "requested")
    assert code == 0 and out.split("\t")[:4] == [str(port["id"]), NUMBER, "op1 -> op2", "requested"]

    code, _, err = cli("realname", "port", "confirm", str(port["id"]), "--operator", "op2")
    assert code == 1 and "Only op1, the donor" in err
    code, out, _ = cli("realname", "port", "confirm", str(port["id"]), "--operator", "op1")
    assert code == 0 and json.loads(out)["state"] == "completed"
    assert [(r["operator"], r["end_reason"]) for r in history(runtime)] == [("op1", "ported"), ("op2", None)]

    code, out, _ = cli("realname", "port", "list", "--json")
    assert code == 0 and [p["state"] for p in json.loads(out)] == ["completed"]


def test_reject_cancel_and_refusals_exit_1(cli: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    code, _, err = _request(cli, operator="op1")
    assert code == 1 and "already with op1" in err

    port = json.loads(_request(cli)[1])
    code, _, err = _request(cli)
    assert code == 1 and "open port request already" in err
    code, out, _ = cli("realname", "port", "reject", str(port["id"]), "--operator", "op1", "--reason",
                       "Contract runs until June")
    assert code == 0 and json.loads(out)["reason"] == "Contract runs until June"

    again = json.loads(_request(cli)[1])
    code, out, _ = cli("realname", "port", "cancel", str(again["id"]), "--operator", "op2")
    assert code == 0 and json.loads(out)["state"] == "cancelled"
    code, _, err = cli("realname", "port", "list", "--state", "gone")
    assert code == 1 and "no port state 'gone'" in err
