"""An active sender account holding the SMS register only (made on Monday 2 March 2026)."""

from __future__ import annotations

import pytest

from telreg.core.db import unit_of_work

from ..helpers import make_active, make_officer


@pytest.fixture
def account_id(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        return make_active(session, runtime).id
