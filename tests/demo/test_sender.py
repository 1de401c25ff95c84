"""The demo sender and the first publication: made through the real services, usable at once, loaded once."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from sqlalchemy import select

from telreg.core import audit, mail
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.demo import demo_listings
from telreg.demo.sender import DEMO_SENDER
from telreg.dnc.publish import service as publishing
from telreg.dnc.publish.store import PublicationStore
from telreg.runtime import Runtime
from telreg.senders import api_keys, downloads, lifecycle, repository, signin
from telreg.senders.deps import SenderCaller
from telreg.senders.models import SenderAccount

from tests.senders.helpers import apply

from .test_load import _load, _snapshot

REGISTERS = {"fax", "sms", "prerecorded"}
YESTERDAY = dt.date(2026, 3, 1)  # the clock fixture stands at 2026-03-02 10:00, before that day's 23:00 close


def _files(runtime: Runtime) -> dict[str, bytes]:
    """Every file under the publications directory, by relative path."""
    root = Path(runtime.settings.data_dir) / "publications"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_demo_sender_signs_in_and_may_use_every_register(runtime: Runtime) -> None:
    summary = _load(runtime)

    assert summary.senders == [DEMO_SENDER.username]
    with unit_of_work(runtime.session_factory) as session:
        result = signin.log_in(session, clock=runtime.clock, settings=runtime.settings,
                               username=DEMO_SENDER.username, password=DEMO_SENDER.password)
        assert result.error is None and result.account_id is not None
        assert result.state == "active" and not result.must_change_password
        access = lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                  account_id=result.account_id)
        assert access.can_log_in and access.registers == REGISTERS
        assert all(access.may_use(register) for register in REGISTERS)
        account = repository.get_account(session, result.account_id)
        assert account is not None
        assert (account.capacity, account.api_access, account.api_access_changed_by) == ("hk-company", True, "officer")
        periods = repository.subscriptions(session, account.id)
        assert {(p.register, p.plan, p.starts_on, p.ends_on) for p in periods} == {
            (register, "12-months", dt.date(2026, 3, 2), dt.date(2027, 3, 2)) for register in REGISTERS
        }
        # Made by the real services: the trail reads like a genuine application handled by the demo officer.
        actions = [(e.actor, e.action) for e in audit.history(session, subject_type="sender",
                                                               subject_key=str(account.id))]
        sender, officer = f"sender:{account.id}", "officer:officer"
        assert actions == [
            (sender, "sender-applied"),
            (sender, "sender-document-uploaded"),
            (sender, "sender-document-uploaded"),
            (officer, "sender-documents-accepted"),
            (officer, "sender-account-awaiting-payment"),
            (officer, "sender-payment-recorded"),
            (officer, "sender-account-active"),
            (officer, "sender-api-access-on"),
            (sender, "sender-logged-in"),
        ]
        # Its activation notice waits in the outbox like any other sender's.
        subjects = [m.subject for m in mail.outbox(session, to=DEMO_SENDER.contact_email)]
        assert "Do-not-call Registers: your subscription account is active" in subjects
        # API access is really on: the sender can make a key for its scripts.
        key, secret = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                          account_id=account.id, label="demo script")
        assert set(key.registers.split(",")) == REGISTERS and secret.startswith("tr_")


def test_demo_publishes_the_latest_closed_day_with_files_for_every_register(runtime: Runtime) -> None:
    summary = _load(runtime)

    assert summary.published == YESTERDAY
    store = PublicationStore(runtime.settings.data_dir)
    assert store.dates() == [YESTERDAY]
    manifest = store.manifest(YESTERDAY)
    assert set(manifest["registers"]) == REGISTERS
    for register, entry in manifest["registers"].items():
        expected = sorted(d.number for d in demo_listings() if any(r.value == register for r in d.registers))
        assert entry["count"] == len(expected)
        for kind in ("numbers", "dated", "changes"):
            assert (store.path_for(YESTERDAY) / entry[kind]["file"]).is_file()
        with zipfile.ZipFile(store.path_for(YESTERDAY) / entry["numbers"]["file"]) as archive:
            (name,) = archive.namelist()
            assert archive.read(name).decode("ascii").split("\r\n")[:-1] == expected


def test_demo_sender_can_download_at_once(runtime: Runtime) -> None:
    _load(runtime)

    with unit_of_work(runtime.session_factory) as session:
        account_id = session.scalar(select(SenderAccount.id).where(SenderAccount.username == DEMO_SENDER.username))
        assert account_id is not None
        caller = SenderCaller(lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                               account_id=account_id))
        listing = downloads.available(clock=runtime.clock, settings=runtime.settings, caller=caller)
        assert listing["publication"] == YESTERDAY.isoformat() and listing["open"]
        assert {r["register"] for r in listing["registers"]} == REGISTERS and listing["unavailable"] == []
        file = downloads.open_download(session, clock=runtime.clock, settings=runtime.settings, caller=caller,
                                       publication="latest", file_name="sms-dated.zip", client_address=None)
    with zipfile.ZipFile(io.BytesIO(file.path.read_bytes())) as archive:
        lines = archive.read(archive.namelist()[0]).decode("ascii").split("\r\n")[:-1]
    assert "61234567,20260301" in lines  # registered yesterday: published, though not protected yet


def test_loading_twice_leaves_sender_and_publication_untouched(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    first = _load(runtime)
    assert first.senders and first.published
    rows, files = _snapshot(runtime), _files(runtime)

    again = _load(runtime)
    clock.advance(days=2)  # a later day has closed since, but the demo publishes only into an empty store
    later = _load(runtime)

    for summary in (again, later):
        assert (summary.senders, summary.published, summary.changed) == ([], None, False)
        assert summary.as_dict()["senders"] == [] and summary.as_dict()["published"] is None
    assert _snapshot(runtime) == rows
    assert _files(runtime) == files


def test_an_existing_publication_or_sender_is_left_alone(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 2, 20, 23, 30, tzinfo=HK))
    with unit_of_work(runtime.read_session_factory) as session:  # an officer published an earlier day by hand
        publishing.publish(session, clock=clock, settings=runtime.settings, day=dt.date(2026, 2, 20))
    clock.set(dt.datetime(2026, 3, 2, 10, 0, tzinfo=HK))

    summary = _load(runtime)

    assert summary.published is None
    assert PublicationStore(runtime.settings.data_dir).dates() == [dt.date(2026, 2, 20)]
    assert summary.senders == [DEMO_SENDER.username]  # the sender does not depend on the publication


def test_after_the_close_the_demo_publishes_today(runtime: Runtime, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(dt.datetime(2026, 3, 2, 23, 30, tzinfo=HK))  # inside the nightly update window

    summary = _load(runtime)

    assert summary.published == dt.date(2026, 3, 2)
    assert summary.senders == [DEMO_SENDER.username]


def test_demo_sender_username_already_taken_is_left_as_it_is(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:  # someone applied with that name, another password
        apply(session, runtime, username=DEMO_SENDER.username)

    summary = _load(runtime)

    assert summary.senders == []
    with unit_of_work(runtime.session_factory) as session:
        account = repository.account_by_login(session, DEMO_SENDER.username)
        assert account is not None and account.state == "applied" and not account.api_access
        assert signin.log_in(session, clock=runtime.clock, settings=runtime.settings,
                             username=DEMO_SENDER.username, password=DEMO_SENDER.password).error is not None


def test_cli_prints_the_sender_credentials_and_the_publication_once(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("demo", "load")

    assert code == 0
    assert "created sender account demo-sender: hk-company, active on fax, sms, prerecorded" in out
    assert "published the registers as at the close of 2026-03-01" in out
    assert f"  {DEMO_SENDER.username:<11} password {DEMO_SENDER.password}" in out

    code, out, _ = cli("demo", "load")
    assert code == 0
    assert out.startswith("demo data already loaded; nothing changed")
    assert "created sender" not in out and "published" not in out
    assert DEMO_SENDER.password in out

