"""A registration and the erasure of the same person at once (PostgreSQL, where they really run in parallel).

The registration looks the identity up FOR UPDATE (realname/identities.find_or_create), the erasure locks it too:
whichever comes second waits, and neither leaves a registration tied to an erased identity.
"""

from __future__ import annotations

import threading
import time

import pytest

from telreg.core.db import unit_of_work
from telreg.realname import service
from telreg.realname.schemas import RegistrationRequest
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, FakeVerifier, person, request

from .helpers import DAYS, HOLDER, erase, identity, identity_of, make_operator, register, terminate, wait_days

PG = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])


@PG
def test_a_registration_under_way_makes_the_erasure_wait_and_keep_the_person(runtime: Runtime) -> None:
    make_operator(runtime)
    register(runtime, "51234567")
    terminate(runtime, "51234567")
    old = identity_of(runtime, "51234567")
    wait_days(runtime, DAYS + 1)  # due for erasure
    outcome: dict[str, str] = {}

    def erase_meanwhile() -> None:
        outcome["erase"] = erase(runtime, old)

    with unit_of_work(runtime.session_factory) as session:
        # The same person comes back to the shop: the registration finds (and locks) the identity ...
        body = request("51234568", person(HOLDER[0], HOLDER[1], number=HOLDER[2], address=HOLDER[3]))
        registered = service.register(session, vault=runtime.vault, policy=HONG_KONG, clock=runtime.clock,
                                      verifier=FakeVerifier(), request=RegistrationRequest(**body), actor="test")
        assert registered.as_dict()["status"] == "registered"
        worker = threading.Thread(target=erase_meanwhile)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the erasure must wait for the registration's lock"
    # ... and commits: the erasure goes on, finds a current registration and erases nothing.
    worker.join(timeout=60)
    assert outcome["erase"] == "not-due"
    assert identity_of(runtime, "51234568") == old and identity(runtime, old).erased_at is None


@PG
def test_an_erasure_under_way_makes_the_registration_wait_and_use_a_fresh_identity(runtime: Runtime) -> None:
    from telreg.realname import retention

    make_operator(runtime)
    register(runtime, "51234567")
    terminate(runtime, "51234567")
    old = identity_of(runtime, "51234567")
    wait_days(runtime, DAYS + 1)
    outcome: dict[str, str] = {}

    def register_meanwhile() -> None:
        outcome["status"] = register(runtime, "51234568")["status"]

    with unit_of_work(runtime.session_factory) as session:
        assert retention.erase(session, clock=runtime.clock, vault=runtime.vault, settings=runtime.settings,
                               identity_id=old, actor="test") == "erased"
        worker = threading.Thread(target=register_meanwhile)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the registration must wait for the erasure's lock"
    worker.join(timeout=60)
    assert outcome["status"] == "registered"
    fresh = identity_of(runtime, "51234568")
    assert fresh != old and identity(runtime, fresh).erased_at is None and identity(runtime, old).erased_at
