"""`telreg incident …` round trip: open (freezing), list, show, affected (CSV masked), steps, contain, close."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.runtime import Runtime
from tests.incidents.helpers import REGULATOR, SHOP, people, trail


def test_the_cli_takes_an_incident_from_open_to_closed(cli: Any, runtime: Runtime, clock: Any, tmp_path: Path) -> None:
    people(runtime)
    t = trail(runtime, clock)
    code, out, err = cli("incident", "open", "--title", "Shop tablet lost", "--category", "loss",
                         "--from", t.start.isoformat(), "--to", t.end.isoformat(), "--account", SHOP,
                         "--by", REGULATOR, "--json")
    assert code == 0, err
    opened = json.loads(out)
    reference = opened["reference"]
    assert opened["scope"] == [dict(opened["scope"][0], kind="account", identifier=SHOP, outcome="deactivated")]
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, SHOP).is_active is False

    code, out, _ = cli("incident", "list", "--by", REGULATOR)
    assert code == 0 and reference in out
    target = tmp_path / "affected.csv"
    code, out, _ = cli("incident", "affected", reference, "--csv", str(target), "--by", REGULATOR)
    assert code == 0 and "2 holder(s)" in out
    written = target.read_text(encoding="utf-8")
    assert "CHAN T** M**" in written and "CHAN Tai Man" not in written and "51110002" not in written

    code, _, err = cli("incident", "close", reference, "--summary", "done", "--by", REGULATOR)
    assert code == 1 and "contained before closing" in err
    assert cli("incident", "contain", reference, "--by", REGULATOR)[0] == 0
    code, out, _ = cli("incident", "step", "add", reference, "--text", "Wipe the tablet", "--due",
                       "2026-03-03T12:00", "--by", REGULATOR)
    assert code == 0
    for step in [s["id"] for s in opened["steps"]] + [int(out.split()[1])]:
        assert cli("incident", "step", "done", reference, str(step), "--by", REGULATOR)[0] == 0
    code, out, err = cli("incident", "close", reference, "--summary", "Wiped; holders told.", "--by", REGULATOR)
    assert code == 0, err
    code, out, _ = cli("incident", "show", reference, "--by", REGULATOR)
    assert code == 0 and "closed" in out


def test_the_cli_refuses_an_unknown_person_and_other_roles(cli: Any, runtime: Runtime) -> None:
    people(runtime)
    code, _, err = cli("incident", "list", "--by", "ghost")
    assert code == 1 and "no user named 'ghost'" in err
    code, _, err = cli("incident", "list", "--by", SHOP)
    assert code == 1 and "Only an administrator, a regulator" in err
    code, _, err = cli("incident", "open", "--title", "x", "--category", "leak", "--from", "yesterday", "--to",
                       "2026-03-02T09:00", "--by", REGULATOR)
    assert code == 1 and "not an ISO date-time" in err
