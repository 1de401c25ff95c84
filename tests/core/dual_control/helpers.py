"""Small makers for the two-person rule's tests: staff accounts and an operator's registrations."""

from __future__ import annotations

from typing import Any

from telreg.core.db import unit_of_work
from telreg.core.users import create_user
from telreg.realname.identities import SEALED_FIELDS
from telreg.realname.models import Identity, Number, Operator, Registration
from telreg.runtime import Runtime

PASSWORD = "correct horse battery"
# (username, roles, operator)
PEOPLE = {
    "alice": (["admin"], None), "bob": (["admin"], None),
    "rita": (["regulator"], None), "rex": (["regulator"], None),
    "carol": (["operator-compliance"], "harbour"), "cody": (["operator-compliance"], "harbour"),
    "olga": (["operator-compliance"], "peak"), "sam": (["operator-staff"], "harbour"),
}
HOLDERS = [("A1234563", "CHAN Tai Man", "1980-02-03"), ("B7654321", "WONG Siu Ming", "1991-11-12"),
           ("C2468101", "LEE Ka Yan", "1975-06-30")]


def make_people(runtime: Runtime, *names: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        for name in names or PEOPLE:
            roles, operator = PEOPLE[name]
            create_user(session, clock=runtime.clock, username=name, password=PASSWORD, roles=roles,
                        operator=operator)


def make_registrations(runtime: Runtime, operator: str = "harbour", *, other: str = "peak") -> list[dict[str, Any]]:
    """Three registrations of OPERATOR (one ended) and one of OTHER; return what was registered."""
    vault, now = runtime.vault, runtime.clock.now()
    made = []
    with unit_of_work(runtime.session_factory) as session:
        ours = Operator(code=operator, name="Harbour Mobile", created_at=now)
        theirs = Operator(code=other, name="Peak Telecom", created_at=now)
        session.add_all([ours, theirs])
        session.flush()
        for n, (document, name, born) in enumerate([*HOLDERS, ("D1111119", "HO Ka Ho", "1999-09-09")]):
            operator_row = ours if n < 3 else theirs
            number = Number(operator_id=operator_row.id, number=f"9123456{n}", service="prepaid", line="mobile",
                            state="active" if n != 1 else "unregistered", created_at=now, state_changed_at=now)
            holder = Identity(kind="person", doc_type="hkid",
                              document_index=vault.blind_index("document.hkid", document),
                              document_sealed=vault.seal(SEALED_FIELDS["document"], document),
                              name_sealed=vault.seal(SEALED_FIELDS["name"], name),
                              date_of_birth_sealed=vault.seal(SEALED_FIELDS["date_of_birth"], born),
                              created_at=now, updated_at=now)
            session.add_all([number, holder])
            session.flush()
            session.add(Registration(number_id=number.id, operator_id=operator_row.id, holder_id=holder.id,
                                     capture_method="card_reader", verified_by="reader: ok", checks={},
                                     quota_service="prepaid", registered_at=now, registered_by="staff:sam",
                                     ended_at=now if n == 1 else None, end_reason="terminated" if n == 1 else None))
            made.append({"number": number.number, "document": document, "name": name, "born": born})
    return made
