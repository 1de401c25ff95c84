"""Two uploads racing with one client reference make one wash: the unique constraint decides, not a look-up."""

from __future__ import annotations

import io
import threading

from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.senders import lifecycle
from telreg.senders.deps import SenderCaller
from telreg.senders.washing import service
from telreg.senders.washing.models import SenderWash

from ..usage_helpers import DAY2, at, make_accounts
from .helpers import SEND_DATE
from ...waiting import wait_until_blocked


def _submit(runtime, session, account_id):
    caller = SenderCaller(lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                           account_id=account_id))
    wash, created = service.submit(session, clock=runtime.clock, settings=runtime.settings, caller=caller,
                                   register="sms", send_date=SEND_DATE, stream=io.BytesIO(b"98765432\n"),
                                   filename="l.txt", client_reference="same")
    return wash.id, created


def test_racing_uploads_with_one_reference_make_one_wash(runtime, clock, backend):
    account_id = make_accounts(runtime)["sms"]
    clock.set(at(DAY2, 9))
    outcomes: list[tuple[int, bool]] = []
    with unit_of_work(runtime.session_factory) as first:
        outcomes.append(_submit(runtime, first, account_id))
        second = threading.Thread(target=lambda: outcomes.append(_run_second(runtime, account_id)))
        second.start()
        wait_until_blocked(runtime, backend, what="the second upload")
    second.join(timeout=60)
    assert not second.is_alive()
    assert outcomes[0][1] is True and outcomes[1] == (outcomes[0][0], False)
    with unit_of_work(runtime.read_session_factory) as session:
        assert session.scalar(select(func.count()).select_from(SenderWash)) == 1
    assert not any(p.name.startswith(".incoming") for p in (runtime.settings.data_dir / "washes").iterdir())


def _run_second(runtime, account_id):
    with unit_of_work(runtime.session_factory) as session:
        return _submit(runtime, session, account_id)
