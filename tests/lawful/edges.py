"""Builders shared by the tests of lawful access's edges (the HI-1 endpoint, the JSON API, the pages, the CLI):
a client signed in as one person, and HI-1 request messages built as the officers' pages build them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from telreg.core.clock import HK
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import LDTaskObject, RequestMessage
from telreg.runtime import Runtime
from telreg.web.lawful import compose
from tests.lawful.helpers import PASSWORD

# A small PDF: what the warrant check reads is its "%PDF-" signature.
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> "
       b"endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
HKPF = compose.Sender(agency_code="hkpf", country_code="HK")
COURT = "Eastern Magistrates' Courts"
# The test clock stands on 2026-03-02 10:00 HK; the registrations made by the tests are of that moment.
FROM = dt.datetime(2026, 2, 1, tzinfo=HK)
TO = dt.datetime(2026, 3, 3, tzinfo=HK)


@dataclass(frozen=True)
class Filed:
    authorisation_id: str
    task_ids: tuple[str, ...]
    message: RequestMessage


def signed_in(app: Any, username: str, password: str = PASSWORD) -> tuple[TestClient, dict[str, str]]:
    """A client of its own (its own cookies) signed in through the API, and the CSRF header its changes send."""
    client = TestClient(app)
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return client, {"X-CSRF-Token": answer.json()["csrf_token"]}


def request_message(runtime: Runtime, *, legal_type: str = d.WARRANT, reference: str = "HCMW-1-2026",
                    targets: tuple[tuple[str, str], ...] = ((d.INTERNATIONAL_E164, "91234567"),),
                    request_type: str = d.SUBSCRIBER_DATA, warrant: bool = True) -> Filed:
    """A request as an officer of hkpf files it: a warrant with its PDF (or an emergency with its grounds)."""
    emergency = legal_type == d.EMERGENCY
    authorisation_id, message = compose.new_request(
        sender=HKPF, settings=runtime.settings, clock=runtime.clock, legal_type=legal_type, reference=reference,
        issuing_authority="Superintendent, Regional Crime Unit" if emergency else COURT,
        grounds="A kidnapping in progress: the victim's phone is the only lead." if emergency else "",
        timespan_start=FROM, timespan_end=TO,
        warrant=compose.Warrant("warrant.pdf", PDF) if warrant and not emergency else None,
        targets=[compose.Target(target_format=fmt, value=value, request_type=request_type, window_start=None,
                                window_end=None) for fmt, value in targets])
    tasks = tuple(action.object.object_identifier for action in message.actions
                  if isinstance(action.object, LDTaskObject))
    return Filed(authorisation_id, tasks, message)
