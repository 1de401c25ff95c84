"""SoftHSM2 tokens for the e-Cert tests: a PKCS#11 HSM in a temporary directory, one set per test process.

SoftHSM2 reads its configuration (``SOFTHSM2_CONF``: where the token files live) and lists its tokens once, when
the library is initialised in the process; a token made afterwards is invisible to that process. So the session
fixture writes the configuration and initialises a small pool of tokens with ``softhsm2-util`` before anything
loads the library: ``shared`` for the tests that only add keys under labels of their own, and fresh ones
(:meth:`SoftHsm.take_token`) for the tests that need a token nobody logged in to yet or fixed labels
(``telreg-root``, ``telreg-issuing``).

A missing SoftHSM2 fails these tests, never skips them: `.ci/run` installs Debian's ``softhsm2``.

Use: the ``softhsm`` fixture, which tests/ecert/conftest.py defines once: one definition, so one SoftHSM2
configuration per test process (the library reads SOFTHSM2_CONF once; a second copy of the fixture in another
module made a second pool whose "fresh" tokens were the first pool's, already used).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pkcs11
import pytest

from telreg.config import Environment, Settings

__all__ = ["SOFTHSM_LIBRARY", "SO_PIN", "USER_PIN", "SoftHsm", "softhsm", "token_session"]

SOFTHSM_LIBRARY = Path(os.environ.get("TELREG_TEST_SOFTHSM_LIBRARY", "/usr/lib/softhsm/libsofthsm2.so"))
USER_PIN = "314159"
SO_PIN = "27182818"
POOL_SIZE = 10


@dataclass
class SoftHsm:
    """The process's SoftHSM2: its library, configuration, the user PIN's file and the tokens not yet taken."""

    module: Path
    conf: Path
    pin_file: Path
    shared: str
    free: list[str] = field(default_factory=list)

    def take_token(self) -> str:
        """A token of the pool that no test used yet (initialised, never logged in to)."""
        assert self.free, f"all {POOL_SIZE} SoftHSM tokens of this test process are taken; raise POOL_SIZE"
        return self.free.pop(0)

    def settings(self, base: Settings | None = None, *, token: str | None = None, **overrides: Any) -> Settings:
        """BASE (or minimal test settings under a directory of the pool) pointing at TOKEN of this HSM."""
        values = {"ecert_hsm_module": self.module, "ecert_hsm_token_label": token or self.shared,
                  "ecert_hsm_pin_file": self.pin_file, **overrides}
        if base is not None:
            return base.model_copy(update=values)
        return Settings(env=Environment.test, data_dir=self.conf.parent / "data", secret_key="test-secret-key",
                        password_hashing="fast", **values)


def init_token(conf: Path, label: str) -> None:
    """Initialise a token in the first free slot, as an HSM ceremony does (SO PIN, then the user PIN)."""
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN,
                    "--pin", USER_PIN], check=True, capture_output=True, text=True,
                   env={**os.environ, "SOFTHSM2_CONF": str(conf)})


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    if not SOFTHSM_LIBRARY.is_file() or shutil.which("softhsm2-util") is None:
        pytest.fail(f"SoftHSM2 is missing ({SOFTHSM_LIBRARY}, softhsm2-util): install Debian's softhsm2 package "
                    "(.ci/run does)", pytrace=False)
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n", encoding="utf-8")
    pin_file = root / "user.pin"
    pin_file.write_text(USER_PIN + "\n", encoding="utf-8")
    pin_file.chmod(0o600)
    labels = ["telreg-shared", *(f"telreg-fresh-{n}" for n in range(POOL_SIZE))]
    for label in labels:
        init_token(conf, label)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the library when this process first initialises it
    try:
        yield SoftHsm(module=SOFTHSM_LIBRARY, conf=conf, pin_file=pin_file, shared=labels[0], free=labels[1:])
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


@contextmanager
def token_session(hsm: SoftHsm, token: str) -> Iterator[Any]:
    """A PKCS#11 session of the test's own on TOKEN, to look at objects the way any other token client would.

    The login is the process's: when telreg's store logged in already, this session shares it."""
    lib = pkcs11.lib(str(hsm.module))
    slot = lib.get_token(token_label=token)
    try:
        session = slot.open(rw=True, user_pin=USER_PIN)
    except pkcs11.UserAlreadyLoggedIn:
        session = slot.open(rw=True)
    try:
        yield session
    finally:
        session.close()
