"""The `telreg` command: one sub-app per context plus db, serve, worker and demo.

The sub-apps are loaded on demand (:class:`LazyGroup`): `telreg dnc status N` imports the do-not-call commands and
nothing of the web, the CA or the other contexts, and `telreg --help` imports no sub-app at all — it lists the
one-line help of :data:`COMMANDS`. Operators script the CLI in loops, where importing every stack first cost a
second per call (issue 18 §5; bench/cli_startup.py). A test loads each entry and compares its help with the
table's, so the table cannot drift from the sub-apps it names.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup
from typer._click.exceptions import UsageError
from typer.main import get_group

from telreg.core.errors import DomainError


class Entry(NamedTuple):
    """A command of the root: where it lives and its one-line help (shown by `telreg --help` without loading)."""

    module: str
    attr: str  # a Typer sub-app, or a register(app) function adding the command to a Typer
    help: str


COMMANDS: dict[str, Entry] = {
    "ivr": Entry("telreg.dnc.ivr_cli", "register",
                 "Play a hotline call: type keys and Enter; a blank line is silence; q hangs up."),
    "scrub": Entry("telreg.senders.scrub.cli", "register",
                   "Scrub a calling list against a do-not-call publication and your own consent/unsubscribe "
                   "lists."),
    "worker": Entry("telreg.core.server_cli", "register",
                    "Run background jobs (callbacks, fax codes, retries, expiries, publication)."),
    "serve": Entry("telreg.core.server_cli", "register",
                   "Serve the API and the web pages on --port in --workers processes, the signed IVR webhook on "
                   "a listener of its own, and the job worker in a process of its own with --with-worker."),
    "calendar": Entry("telreg.core.calendar_cli", "app", "Working days and weather warnings"),
    "users": Entry("telreg.core.users_cli", "app", "Staff accounts"),
    "dnc": Entry("telreg.dnc.cli", "app", "Do-not-call registers"),
    "senders": Entry("telreg.senders.cli", "app", "Senders' subscription accounts"),
    "realname": Entry("telreg.realname.cli", "app", "Real-name registration of SIM cards and numbers"),
    "demo": Entry("telreg.demo.cli", "app", "Demonstration data (refused in production)"),
    "keys": Entry("telreg.core.keys_cli", "app", "Personal-data encryption keys"),  # issue 14
    "audit": Entry("telreg.core.audit_cli", "app",
                   "The verifiable audit log (Merkle tree, signed checkpoints)"),  # issue 14
    "two-factor": Entry("telreg.core.two_factor_cli", "app", "Staff two-factor sign-in"),  # issue 14
    "ecert": Entry("telreg.ecert.cli", "app",
                   "e-Cert certification authority: init, issue, revoke, renew, crl, status, fees"),  # issue 15
    "incident": Entry("telreg.incidents.cli", "app",
                      "Personal-data incidents: open (freezing the scope), affected holders, remedy steps, contain, "
                      "close"),  # issue 16 §5
    "approvals": Entry("telreg.core.dual_control_cli", "app",
                       "The two-person rule: sensitive operations approved by a second person"),  # issue 16
    "lawful": Entry("telreg.lawful.cli", "app",
                    "Lawful access: law-enforcement agencies and the sweep"),  # issue 16
    "enforcement": Entry("telreg.enforcement.cli", "app",
                         "Enforcement: the public's reports, cases, notices, the fine scale, seed numbers"),  # 17
}


def load_command(name: str) -> Any:
    """Import the command NAME of :data:`COMMANDS` and return it as a click command named NAME."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(entry.module), entry.attr)
    # Registered on a Typer of its own exactly as on the root before (add_typer / register(app)), then taken out.
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        target(holder)
    command = get_group(holder).commands[name]
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A root group whose sub-commands are imported only when one is named (help lists the static table)."""

    _describing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        if self._describing:  # the help lists names and one line each: no need to import anything
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].help)
        command = self.commands[cmd_name] = load_command(cmd_name)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._describing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._describing = False

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:  # "Did you mean …" among every command, loaded or not
            if args and "Did you mean" not in exc.message:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise


app = typer.Typer(cls=LazyGroup, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="telreg: number governance")
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


def _register_subapps_once() -> None:
    """Nothing to do any more: the root loads each sub-app when it is named. Kept for the tests that call it."""


def main() -> None:
    if sys.argv[1:2] == ["scrub"]:
        # The sender's offline tool: before numpy is imported, no OpenBLAS thread pool (telreg does no linear
        # algebra; starting the pool costs 40 ms and its threads spin a core for a while), and no garbage
        # collection for a process that makes no cycles.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        gc.disable()
    try:
        app()
    except DomainError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(1)
