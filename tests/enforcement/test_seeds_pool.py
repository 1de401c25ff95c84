"""The seed pool: imports checked line by line (all or nothing), counts, officers only (CLI and API)."""

from __future__ import annotations

from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.users import create_user
from telreg.dnc.vocabulary import Register
from telreg.enforcement.models import SeedNumber

from ..senders.usage_helpers import make_accounts, sender_client, sign_in
from .seeds_helpers import list_numbers, officer_headers

GOOD = "number,operator\n6999 0001,Mobile Co\n+852 2111 0001,Fixed Co\n69990002,Mobile Co\n"


def _pool_size(runtime) -> int:
    with unit_of_work(runtime.read_session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(SeedNumber)) or 0)


def test_an_import_adds_the_numbers_with_their_kind_and_operator(runtime, cli, tmp_path):
    with unit_of_work(runtime.session_factory) as session:
        create_user(session, clock=runtime.clock, username="rita", password="correct-horse-battery",
                    roles=["regulator"])
    path = tmp_path / "seeds.csv"
    path.write_text(GOOD)
    code, out, err = cli("enforcement", "seeds", "import", str(path), "--by", "rita")
    assert code == 0, err
    assert "imported 3 seed number(s)" in out
    code, out, err = cli("enforcement", "seeds", "list", "--json")
    assert code == 0, err
    import json

    counts = json.loads(out)
    assert counts["by_state"] == {"free": 3, "assigned": 0, "retired": 0}
    assert counts["by_kind"] == {"fixed": {"free": 1, "assigned": 0, "retired": 0},
                                 "mobile": {"free": 2, "assigned": 0, "retired": 0}}
    assert set(counts["by_operator"]) == {"Fixed Co", "Mobile Co"}
    with unit_of_work(runtime.read_session_factory) as session:
        rows = {s.number: (s.kind, s.operator, s.state, s.imported_by) for s in session.scalars(select(SeedNumber))}
    assert rows["21110001"] == ("fixed", "Fixed Co", "free", "rita")
    assert rows["69990001"] == ("mobile", "Mobile Co", "free", "rita")

    # A dnc officer is not a regulator.
    with unit_of_work(runtime.session_factory) as session:
        create_user(session, clock=runtime.clock, username="dan", password="correct-horse-battery",
                    roles=["dnc-officer"])
    code, _, err = cli("enforcement", "seeds", "import", str(path), "--by", "dan")
    assert code == 1 and "regulator" in err


def test_a_bad_file_is_refused_whole_with_every_line_named(runtime, clock, tmp_path):
    list_numbers(runtime, clock, {"61234567": (Register.sms,)})
    with sender_client(runtime) as client:
        headers = officer_headers(runtime, client)
        assert client.post("/api/v1/enforcement/seeds", headers=headers,
                           files={"file": ("first.csv", b"69990009,Mobile Co\n")}).status_code == 201
        bad = ("number,operator\n"
               "69990001,Mobile Co\n"       # 2: fine
               "2111 000,Fixed Co\n"        # 3: seven digits
               "+44 20 7946 0000,UK\n"      # 4: not Hong Kong
               "80012345,Toll\n"            # 5: not registrable (unassigned range)
               "69990001,Mobile Co\n"       # 6: duplicate of line 2
               "69990009,Mobile Co\n"       # 7: already in the pool
               "6123 4567,Mobile Co\n"      # 8: listed on the SMS register
               "69990003\n")                # 9: no operator
        refused = client.post("/api/v1/enforcement/seeds", headers=headers,
                              files={"file": ("seeds.csv", bad.encode())})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "enforcement_seed_refused"
    assert body["lines"] == [3, 4, 5, 6, 7, 8, 9]
    detail = body["detail"]
    assert "seeds.csv was not imported (7 problem(s)); nothing was recorded" in detail
    assert "line 6: 69990001 is already on line 2." in detail
    assert "line 7: 69990009 is already in the pool." in detail
    assert "line 8: 61234567 is listed on a register (sms); a seed number must not be a real listing." in detail
    assert _pool_size(runtime) == 1  # nothing of the bad file


def test_the_pool_is_for_regulators_only(runtime, clock):
    accounts = make_accounts(runtime)
    with sender_client(runtime) as client:
        assert client.get("/api/v1/enforcement/seeds").status_code == 401
        sign_in(client, accounts["sms"])
        assert client.get("/api/v1/enforcement/seeds").status_code in (401, 403)
        headers = officer_headers(runtime, client)
        answer = client.get("/api/v1/enforcement/seeds")
        assert answer.status_code == 200 and answer.json()["total"] == 0
        # A change needs the CSRF token.
        assert client.post("/api/v1/enforcement/seeds", files={"file": ("s.csv", GOOD.encode())}).status_code == 403
        assert client.post("/api/v1/enforcement/seeds", headers=headers,
                           files={"file": ("s.csv", GOOD.encode())}).json()["added"] == 3


PAGE = "/staff/enforcement/seeds"


def _staff_sign_in(client, runtime, username: str, *roles: str) -> None:
    from tests.lawful.helpers import PASSWORD, make_staff
    from tests.web.conftest import form_token

    make_staff(runtime, username, *roles)
    token = form_token(client.get("/staff/login").text)
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303


def test_the_officer_page_imports_shows_the_bad_lines_and_speaks_three_languages(client, runtime, clock):
    import re

    from tests.web.conftest import form_token
    from tests.web.page_text import english_runs, visible_text

    assert client.get(PAGE, follow_redirects=False).status_code in (303, 401)  # not signed in
    _staff_sign_in(client, runtime, "dnc.dora", "dnc-officer")
    assert client.get(PAGE).status_code == 403  # a DNC officer is not a regulator
    _staff_sign_in(client, runtime, "ofca.lam", "regulator")
    token = form_token(client.get(PAGE).text)
    done = client.post(PAGE, data={"csrf_token": token}, files={"file": ("seeds.csv", GOOD.encode())},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?imported=3"
    shown = client.get(done.headers["location"]).text
    assert "3 seed number(s) were added to the pool." in shown
    assert re.search(r'<tr data-kind="mobile">.*?<td data-state="free">2</td>', shown, flags=re.S)

    token = form_token(shown)
    refused = client.post(PAGE, params={"lang": "zh-Hant"}, data={"csrf_token": token},
                          files={"file": ("bad.csv", b"69990001,Mobile Co\n1234,X\n")})
    assert refused.status_code == 422
    assert "第 1 行" in refused.text and "第 2 行" in refused.text  # the lines named in Chinese
    assert "69990001" in refused.text and _pool_size(runtime) == 3
    for lang in ("en", "zh-Hant", "zh-Hans"):
        page = client.get(PAGE, params={"lang": lang})
        assert page.status_code == 200 and f'<html lang="{lang}"' in page.text
        if lang != "en":
            assert english_runs(visible_text(page.text), names=("CSV", "Mobile Co", "Fixed Co", "SMS")) == []


def test_the_seeds_migration_records_the_downloads_sha256_as_the_model_says(engine) -> None:
    from sqlalchemy import inspect

    from tests.migrations import load_migration, run_step, schema_differences

    assert schema_differences(engine, {"sender_downloads"}) == []
    migration = load_migration("2026-12-08-1030_enforcement_seeds.py")
    assert (migration.revision, migration.down_revision) == ("c17d00000001", "c17c00000001")
    run_step(engine, migration.downgrade)
    assert "sha256" not in {c["name"] for c in inspect(engine).get_columns("sender_downloads")}
    run_step(engine, migration.upgrade)
    assert "sha256" in {c["name"] for c in inspect(engine).get_columns("sender_downloads")}
