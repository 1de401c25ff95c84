"""Accounts (made on Monday 2 March 2026), an SMS publication of that day, and one unsubscribe on the own
list; the clock then stands at 09:00 on Tuesday 3 March."""

from __future__ import annotations

import pytest

from telreg.dnc.vocabulary import Register

from ..usage_helpers import DAY1, DAY2, at, list_and_publish, make_accounts
from .helpers import record


@pytest.fixture
def published(runtime, clock):
    ids = make_accounts(runtime)
    listed = {"21234567": (Register.sms,), "61234567": (Register.sms, Register.fax)}
    list_and_publish(runtime, clock, listed, DAY1)
    clock.set(at(DAY2, 9))
    record(runtime, ids["sms"], "91234567", "unsubscribe", at(DAY1, 9))
    return ids
