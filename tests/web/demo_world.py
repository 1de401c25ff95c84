"""The demo data set (``telreg demo load``) and a day's work on top of it, for tests that look at every role's
pages: a renewal waiting for payment, a consent list uploaded from the sender's pages, an API key and a
download with it, a paper application approved and one waiting, a port request between the demo operators.

Everything is made through the services, as the pages and the API would; the one row written directly is the
download (its file would otherwise have to be fetched over HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass

from telreg.core.db import unit_of_work
from telreg.core.files import store_document
from telreg.demo import load_demo
from telreg.demo.lawful import DEMO_AGENCIES
from telreg.demo.loader import DEMO_USERS
from telreg.demo.realname import DEMO_OPERATORS
from telreg.demo.sender import DEMO_SENDER
from telreg.dnc import paper
from telreg.dnc.vocabulary import Register
from telreg.realname import porting
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime
from telreg.senders import api_keys, lifecycle, renewals, repository
from telreg.senders.lists import service as lists
from telreg.senders.models import SenderDownload
from telreg.senders.vocabulary import Plan

__all__ = ["NAMES", "PASSWORDS", "DemoWorld", "demo_world"]

PDF = b"%PDF-1.4\n% a phone bill\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KEY_LABEL = "Nightly server"
PASSWORDS = {user.username: user.password for user in DEMO_USERS}
PASSWORDS[DEMO_SENDER.username] = DEMO_SENDER.password
# Names people gave things (companies, operators, holders, keys): data, shown as written in any language.
NAMES = (DEMO_SENDER.name, DEMO_SENDER.username, *(name for _, name in DEMO_OPERATORS), KEY_LABEL,
         "Demo Trading Limited", "HO Wing Sze", "LAM Mei", *PASSWORDS, *(name for _, name in DEMO_AGENCIES))


@dataclass(frozen=True)
class DemoWorld:
    sender_id: int
    renewal_order: int
    pending_paper: int


def _bill(runtime: Runtime):  # type: ignore[no-untyped-def]
    return store_document(runtime.settings.data_dir, filename="bill.pdf", content=PDF,
                          max_bytes=runtime.settings.max_upload_bytes, area="dnc-paper")


def demo_world(runtime: Runtime) -> DemoWorld:
    """Load the demo, then do a day's work as each role would."""
    clock, settings = runtime.clock, runtime.settings
    with unit_of_work(runtime.session_factory) as session:
        load_demo(session, clock=clock, settings=settings)
        account = repository.account_by_login(session, DEMO_SENDER.username)
        assert account is not None
        actor = f"sender:{account.id}"
        renewal = renewals.request_renewal(session, clock=clock, settings=settings, account_id=account.id,
                                           plans={Register.sms: Plan.three_months}, actor=actor)
        access = lifecycle.access(session, clock=clock, settings=settings, account_id=account.id)
        lists.import_csv(session, clock=clock, key=lists.open_list(access, register="sms"),
                         data=b"number,instruction,at\n61234567,consent,2026-03-01T10:00\n"
                              b"61234568,unsubscribe,2026-03-01T11:00\n",
                         source="customers.csv", recorded_by=actor)
        key, _ = api_keys.create_key(session, clock=clock, settings=settings, account_id=account.id,
                                     label=KEY_LABEL)
        session.add(SenderDownload(account_id=account.id, register="sms", publication_date=clock.now().date(),
                                   file_name="sms-numbers.csv", api_key_id=key.id,
                                   client_address="192.0.2.10", downloaded_at=clock.now()))
        approved = paper.record_application(
            session, clock=clock, number="28123456", registers=[Register.fax, Register.sms],
            action="register", applicant_name="HO Wing Sze", bill=_bill(runtime), officer_name="officer")
        paper.approve(session, clock=clock, settings=settings, application_id=approved.id,
                      officer_name="officer")
        waiting = paper.record_application(
            session, clock=clock, number="28123457", registers=[Register.prerecorded], action="register",
            applicant_name="LAM Mei", bill=_bill(runtime), officer_name="officer")
        porting.request_port(session, vault=runtime.vault, policy=get_policy(settings), clock=clock,
                             operator="harbour", number="61230003", document_type="hkid",
                             document_number="B234567(1)", actor="staff:clerk")
        return DemoWorld(sender_id=account.id, renewal_order=renewal.id, pending_paper=waiting.id)
