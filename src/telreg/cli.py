"""The `telreg` command: one sub-app per context plus db, serve, worker and demo."""

from __future__ import annotations

import gc
import os
import sys

import typer
from rich.console import Console

from telreg.core.errors import DomainError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, help="telreg: number governance")
db_app = typer.Typer(no_args_is_help=True, help="Database schema")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from telreg.config import get_settings
    from telreg.core.db import make_engine
    from telreg.core.migrate import upgrade

    url = get_settings().database_url
    make_engine(url).dispose()  # creates the SQLite file's directory
    upgrade(url)
    typer.echo("database is at the newest schema")


_registered = False


def _register_subapps_once() -> None:
    global _registered
    if not _registered:
        _register_subapps()
        _registered = True


def _register_subapps() -> None:
    from telreg.core.calendar_cli import app as calendar_app
    from telreg.core.server_cli import register as register_server
    from telreg.core.users_cli import app as users_app
    from telreg.demo.cli import app as demo_app
    from telreg.dnc.cli import app as dnc_app
    from telreg.dnc.ivr_cli import register as register_ivr
    from telreg.realname.cli import app as realname_app
    from telreg.senders.cli import app as senders_app
    from telreg.senders.scrub.cli import register as register_scrub

    app.add_typer(calendar_app, name="calendar")
    app.add_typer(users_app, name="users")
    app.add_typer(dnc_app, name="dnc")
    app.add_typer(senders_app, name="senders")
    app.add_typer(realname_app, name="realname")
    register_ivr(app)
    register_scrub(app)
    register_server(app)
    app.add_typer(demo_app, name="demo")
    from telreg.core.keys_cli import app as keys_app  # issue 14, personal-data key rotation
    app.add_typer(keys_app, name="keys")
    from telreg.core.audit_cli import app as audit_app  # issue 14, the verifiable audit log
    app.add_typer(audit_app, name="audit")
    from telreg.core.two_factor_cli import app as two_factor_app  # issue 14, staff two-factor
    app.add_typer(two_factor_app, name="two-factor")
    from telreg.ecert.cli import app as ecert_app  # issue 15, the e-Cert certification authority
    app.add_typer(ecert_app, name="ecert")
    from telreg.incidents.cli import app as incident_app  # issue 16 §5, personal-data incidents
    app.add_typer(incident_app, name="incident")
    from telreg.core.dual_control_cli import app as approvals_app  # issue 16, the two-person rule
    app.add_typer(approvals_app, name="approvals")
    from telreg.lawful.cli import app as lawful_app  # issue 16, lawful access: agencies, the sweep
    app.add_typer(lawful_app, name="lawful")
    from telreg.enforcement.cli import app as enforcement_app  # issue 17, reports, cases, notices, seed numbers
    app.add_typer(enforcement_app, name="enforcement")


def main() -> None:
    if sys.argv[1:2] == ["scrub"]:
        # The sender's offline tool: skip importing the web and database stacks (about a second and a half of
        # start-up, most of a small list's scrub). Only the scrub command exists in this process. Before numpy is
        # imported: no OpenBLAS thread pool (telreg does no linear algebra; starting the pool costs 40 ms and its
        # threads spin a core for a while), and no garbage collection for a process that makes no cycles.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        gc.disable()
        from telreg.senders.scrub.cli import register as register_scrub

        register_scrub(app)
    else:
        _register_subapps_once()
    try:
        app()
    except DomainError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(1)
