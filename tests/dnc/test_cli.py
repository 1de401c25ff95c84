import json

from .helpers import PDF_BILL, make_officer


def _with_officer(runtime, clock):
    with runtime.session_factory.begin() as session:
        make_officer(session, clock)


def test_status_json_is_the_same_document_as_the_api(cli, client, runtime, clock):
    _with_officer(runtime, clock)
    code, out, err = cli("dnc", "register", "2123 4567", "--register", "fax", "--channel", "paper",
                         "--officer", "olivia")
    assert code == 0, err
    assert "21234567 fax: registered (registered on 2026-03-02, protected from 2026-03-13)" in out
    code, out, _ = cli("dnc", "status", "21234567", "--json")
    assert code == 0
    assert json.loads(out) == client.get("/api/v1/dnc/status/21234567").json() == {
        "number": "21234567",
        "registers": {
            "fax": {"listed": True, "registered_on": "2026-03-02", "protected_from": "2026-03-13"},
            "sms": {"listed": False},
            "prerecorded": {"listed": False},
        },
    }


def test_as_of_sets_the_registration_date(cli, runtime, clock):
    _with_officer(runtime, clock)
    code, out, err = cli("dnc", "register", "21234567", "--register", "sms", "--officer", "olivia",
                         "--as-of", "2026-12-23T10:00", "--json")
    assert code == 0, err
    # 24 Dec, 28–31 Dec, 2 Jan (Saturday), 4–7 Jan: Christmas, the day after, 1 Jan and Sundays skipped
    assert json.loads(out)[0]["protected_from"] == "2027-01-07"


def test_deregister_and_history(cli, runtime, clock):
    _with_officer(runtime, clock)
    cli("dnc", "register", "21234567", "--register", "sms", "--register", "fax", "--officer", "olivia")
    code, out, _ = cli("dnc", "deregister", "21234567", "--register", "sms", "--officer", "olivia")
    assert code == 0 and "21234567 sms: deregistered" in out
    code, out, _ = cli("dnc", "history", "21234567", "--json")
    assert [(e["event"], e["register"]) for e in json.loads(out)] == [
        ("registered", "sms"), ("registered", "fax"), ("deregistered", "sms")]


def test_officer_commands_need_a_known_officer_and_the_paper_channel(cli, runtime, clock):
    code, _, err = cli("dnc", "register", "21234567", "--register", "sms", "--officer", "nobody")
    assert code == 1 and "no user named 'nobody'" in err
    _with_officer(runtime, clock)
    code, _, err = cli("dnc", "register", "21234567", "--register", "sms", "--officer", "olivia",
                       "--channel", "caller-id")
    assert code == 1 and "cannot be used from the command line" in err
    code, _, err = cli("dnc", "register", "21234567", "--register", "email", "--officer", "olivia")
    assert code == 1 and "'email' is not a register" in err
    code, _, err = cli("dnc", "status", "2123")
    assert code == 1 and "4 digits" in err


def test_bad_as_of_is_refused(cli, runtime, clock):
    _with_officer(runtime, clock)
    code, _, err = cli("dnc", "register", "21234567", "--register", "sms", "--officer", "olivia",
                       "--as-of", "tomorrow")
    assert code == 1 and "not an ISO date-time" in err


def test_paper_application_from_record_to_approval(cli, runtime, clock, tmp_path):
    _with_officer(runtime, clock)
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(PDF_BILL)
    code, out, err = cli("dnc", "paper", "record", "61234567", "--register", "sms", "--applicant", "CHAN Tai Man",
                         "--bill", str(bill), "--officer", "olivia")
    assert code == 0, err
    application_id = out.split()[3]
    code, out, _ = cli("dnc", "paper", "list", "--status", "pending", "--json")
    assert [a["number"] for a in json.loads(out)] == ["61234567"]
    code, out, _ = cli("dnc", "paper", "approve", application_id, "--officer", "olivia")
    assert code == 0 and "61234567 sms: registered" in out
    code, _, err = cli("dnc", "paper", "reject", application_id, "--officer", "olivia", "--reason", "late")
    assert code == 1 and "already approved" in err


def test_feed_import_reports_line_errors_and_exits_non_zero(cli, runtime, clock, tmp_path):
    _with_officer(runtime, clock)
    feed = tmp_path / "feed.csv"
    feed.write_text("number,terminated_on\n21234567,2026-03-01\nnot-a-number,2026-03-01\n")
    code, _, err = cli("dnc", "feed", "import", str(feed), "--operator", "op1", "--officer", "olivia")
    assert code == 1 and "line 3:" in err and "nothing was changed" in err
    feed.write_text("number,terminated_on\n21234567,2026-03-01\n")
    code, out, _ = cli("dnc", "feed", "import", str(feed), "--operator", "op1", "--officer", "olivia", "--json")
    assert code == 0 and json.loads(out)["status"] == "applied"
    code, out, _ = cli("dnc", "feed", "runs", "--json")
    assert [r["status"] for r in json.loads(out)] == ["applied", "rejected"]
