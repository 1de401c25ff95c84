"""Fixtures of the CA tests: a hierarchy initialised into the test runtime's data directory.

``settings`` is the suite's, with TELREG_ECERT_PUBLIC_URL set to a host name: pkilint (rightly, by RFC 3986's
reg-name as ``validators`` reads it) refuses ``localhost`` in a certificate's URIs, and every certificate here is
judged by pkilint.
"""

from __future__ import annotations

import pytest

from telreg.config import Settings
from telreg.core.db import unit_of_work
from telreg.ecert.hierarchy import init_hierarchy
from telreg.ecert.keys import Hierarchy
from telreg.runtime import Runtime
from tests.ecert.softhsm import softhsm  # noqa: F401 -- the SoftHSM2 fixture, defined once for every module

ROOT_PASSPHRASE = b"correct horse battery staple"
PUBLIC_URL = "http://ecert.telreg.test"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"ecert_public_url": PUBLIC_URL})


@pytest.fixture
def hierarchy(runtime: Runtime) -> Hierarchy:
    """A CA (ECDSA keys, software key files) created at the test clock's time and recorded in the database."""
    with unit_of_work(runtime.session_factory) as session:
        return init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE,
                              session=session, actor="test-ceremony")
