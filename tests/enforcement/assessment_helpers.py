"""Builders for the assessment tests: listing history through the real services, reports, publications, washes."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from telreg.core.clock import HK
from telreg.dnc import feeds, service
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Channel, Register, Verification
from telreg.enforcement.models import Report
from telreg.senders.lists.models import SenderInstruction
from telreg.senders.washing import files as wash_files
from telreg.senders.washing.models import SenderWash

NUMBER = "91234567"
_references = itertools.count(1)


def at(day: dt.date, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=HK)


def register(session: Any, runtime: Any, when: dt.datetime, *registers: str, number: str = NUMBER,
             channel: Channel = Channel.caller_id) -> None:
    runtime.clock.set(when)
    service.register_number(session, clock=runtime.clock, settings=runtime.settings, number=number,
                            registers=[Register(r) for r in registers or ("sms",)], channel=channel,
                            verification=Verification.caller_id, actor="channel:ivr")


def deregister(session: Any, runtime: Any, when: dt.datetime, *registers: str, number: str = NUMBER) -> None:
    runtime.clock.set(when)
    service.deregister_number(session, clock=runtime.clock, settings=runtime.settings, number=number,
                              registers=[Register(r) for r in registers or ("sms",)], channel=Channel.caller_id,
                              verification=Verification.caller_id, actor="channel:ivr")


def terminate(session: Any, runtime: Any, when: dt.datetime, terminated_on: dt.date, *, number: str = NUMBER) -> None:
    runtime.clock.set(when)
    run = feeds.import_terminated(session, clock=runtime.clock, settings=runtime.settings, operator="op1",
                                  filename="t.csv",
                                  content=f"number,terminated_on\n{number},{terminated_on}\n".encode(),
                                  actor="officer:olivia")
    assert run.status == "applied"


def make_report(session: Any, *, received_at: dt.datetime, register: str = "sms", number: str = NUMBER,
                sender: str = "Acme Offers Ltd", case_id: int | None = None) -> Report:
    report = Report(reference=f"RPT-T{next(_references):06d}", source="phone", state="received",
                    receiving_number=number, register_claim=register, received_at=received_at,
                    sender_identification=sender, sender_number=None, message_text="Buy now", language="en",
                    contact_kind="none", content_sha256="0" * 64, proof="officer", recorded_by="olivia",
                    created_at=received_at, updated_at=received_at, case_id=case_id)
    session.add(report)
    session.flush()
    return report


def write_publication(settings: Any, day: dt.date, published_at: dt.datetime) -> None:
    """A publication as the store sees it (its manifest); the files themselves are not needed here."""
    store = PublicationStore(settings.data_dir)
    directory = store.path_for(day)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps({"date": day.isoformat(),
                                                         "generated_at": published_at.isoformat()}))


def instruct(session: Any, *, account_id: int, kind: str, given_at: dt.datetime, register: str = "sms",
             number: str = NUMBER, client_ref: str = "") -> SenderInstruction:
    row = SenderInstruction(account_id=account_id, client_ref=client_ref, register=register, number=number,
                            instruction=kind, given_at=given_at, how="written", reference=None,
                            recorded_at=given_at, recorded_by="sender")
    session.add(row)
    session.flush()
    return row


def make_wash(session: Any, settings: Any, *, account_id: int, finished_at: dt.datetime, kept: bytes,
              rejected: bytes, publication: dt.date, register: str = "sms", held: bool = True) -> SenderWash:
    wash = SenderWash(account_id=account_id, register=register, client_ref="", send_date=finished_at.date(),
                      state="done" if held else "expired", input_sha256="1" * 64, input_name="calls.csv",
                      input_size=len(kept) + len(rejected), publication_date=publication,
                      publication_sha256="ab" * 32, counts={}, created_at=finished_at, started_at=finished_at,
                      finished_at=finished_at, expires_at=finished_at + dt.timedelta(days=30))
    session.add(wash)
    session.flush()
    if held:
        out = wash_files.out_dir(settings.data_dir, wash.id)
        out.mkdir(parents=True)
        (out / "kept.csv").write_bytes(kept)
        (out / "rejected.csv").write_bytes(rejected)
        (out / "receipt.json").write_text(json.dumps({"publication": {"date": publication.isoformat(),
                                                                      "sha256": "cd" * 32}}))
    return wash


def outcome(result: Any, code: str, register: str | None = None) -> str | None:
    line = result.line(code, register)
    return line.outcome if line is not None else None
