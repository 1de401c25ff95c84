import json

from telreg.core import mail
from telreg.core.db import unit_of_work
from telreg.senders import repository

from .helpers import application_order, apply, make_active, make_officer


def _pending(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = apply(session, runtime)
        return account.id, application_order(session, account).id


def test_fees_are_shown_and_revised(cli):
    code, out, _ = cli("senders", "fees")
    assert code == 0 and "HK$1,600.00" in out and "HK$425.00" in out
    code, _, err = cli("senders", "fees", "revise", "--plan", "12-months", "--amount", "1700", "--from",
                       "2026-01-01", "--officer", "nobody")
    assert code == 1 and "nobody" in err


def test_applications_payment_and_documents_from_the_terminal(cli, runtime):
    account_id, order_id = _pending(runtime)
    code, out, _ = cli("senders", "applications")
    assert code == 0 and "chan.taiman" in out and "HK$1,600.00" in out
    code, out, _ = cli("senders", "record-payment", str(order_id), "--method", "cheque", "--reference", "123456",
                       "--amount", "1600", "--officer", "olivia")
    assert code == 0 and "paid in full" in out
    code, _, err = cli("senders", "record-payment", str(order_id), "--method", "cheque", "--reference", "123456",
                       "--amount", "1600", "--officer", "olivia")
    assert code == 1 and "already recorded" in err
    code, out, _ = cli("senders", "accept-documents", str(account_id), "--officer", "olivia")
    assert code == 0 and "active" in out
    code, out, _ = cli("senders", "profile", str(account_id), "--json")
    assert json.loads(out)["registers"][0]["expires_on"] == "2027-03-02"


def test_expire_by_hand_as_of_a_date(cli, runtime, smtp):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account_id = make_active(session, runtime).id
    code, out, _ = cli("senders", "expire", "--as-of", "2027-02-02T09:00", "--json")
    report = json.loads(out)
    assert code == 0 and report["reminders_due"] == 1 and report["state_changes"] == {}
    code, out, _ = cli("senders", "expire", "--as-of", "2027-03-02T09:00", "--json")
    assert json.loads(out)["state_changes"] == {"expired": 1}
    with unit_of_work(runtime.session_factory) as session:
        assert repository.get_account(session, account_id).state == "expired"
        assert {m.state for m in mail.outbox(session)} == {"sent"}
    assert any("expires on 2027-03-02" in s for s in smtp.subjects())


def test_an_officer_ends_every_session_of_an_account_from_the_terminal(cli, runtime):
    from telreg.core import sessions

    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account_id = make_active(session, runtime).id
        tokens = [sessions.issue(session, clock=runtime.clock, settings=runtime.settings, kind=sessions.SENDER,
                                 principal=str(account_id)) for _ in range(2)]
    code, out, _ = cli("senders", "revoke-sessions", str(account_id), "--officer", "olivia")
    assert code == 0 and "ended 2 session(s)" in out
    with unit_of_work(runtime.session_factory) as session:
        assert [sessions.resolve(session, clock=runtime.clock, settings=runtime.settings, kind=sessions.SENDER,
                                 token=token) for token in tokens] == [None, None]
    code, _, err = cli("senders", "revoke-sessions", str(account_id), "--officer", "nobody")
    assert code == 1 and "nobody" in err
