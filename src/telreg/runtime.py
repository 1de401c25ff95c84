"""The wiring of one running telreg: settings, database, clock and outside-world adapters.

The API, the CLI, the worker and the tests all build a Runtime; swapping the clock or an adapter is how time is
frozen and the telephone network is faked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from telreg.config import Settings, get_settings
from telreg.core import passwords
from telreg.core.clock import Clock, SystemClock
from telreg.core.db import make_engine, make_session_factory
from telreg.core.dev_inbox import DevInbox
from telreg.core.notify import (
    DemoLines,
    FaxSender,
    SmsSender,
    Telephony,
    make_fax_sender,
    make_sms_sender,
    make_telephony,
)
from telreg.core.secret_files import check_secret_files, private_dir
from telreg.core.vault import Vault, load_vault


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    clock: Clock
    telephony: Telephony
    fax: FaxSender
    sms: SmsSender
    vault: Vault
    extras: dict[str, object] = field(default_factory=dict)
    # Mails received by the development SMTP sink (`telreg serve` outside production); see core/dev_inbox.py.
    inbox: DevInbox = field(default_factory=DevInbox)


def build_runtime(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    telephony: Telephony | None = None,
    fax: FaxSender | None = None,
    sms: SmsSender | None = None,
    vault: Vault | None = None,
) -> Runtime:
    settings = settings or get_settings()
    passwords.use_profile(settings.password_hashing)
    check_secret_files(settings)  # production: no key file readable or writable by group or others
    private_dir(Path(settings.data_dir))  # created 0700 (generated keys and uploads live there)
    engine = engine or make_engine(settings.database_url)
    # One set of demo lines for the three demo adapters, dated by whatever clock the runtime holds when a call
    # is made (the lambda reads `runtime` late, once it exists, and follows a clock swapped in later).
    lines = DemoLines(now=lambda: runtime.clock.now())
    runtime = Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        read_session_factory=make_session_factory(engine, readonly=True),
        clock=clock or SystemClock(),
        telephony=telephony or make_telephony(settings.telephony_adapter, lines),
        fax=fax or make_fax_sender(settings.telephony_adapter, lines),
        sms=sms or make_sms_sender(settings.telephony_adapter, lines),
        vault=vault or load_vault(settings),
        inbox=DevInbox(now=lambda: runtime.clock.now()),
    )
    return runtime
