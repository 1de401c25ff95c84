"""`telreg scrub`: the sender's own offline tool — no database, only the downloaded publication and files.

    telreg scrub LIST --register sms --publication sms-dated.zip [--column NAME] [--instructions CSV]
                 [--send-date YYYY-MM-DD] [--warning-days FILE] [--ca-root root.crt] --out DIR

The send date defaults to today in Hong Kong (``--as-of`` moves "today" outside production, as elsewhere).

When the publication's signed manifest (``manifest.json`` + ``manifest.json.p7s``) is beside the zip, the scrub
checks the signature against the e-Cert root (``--ca-root``, or ``root.crt`` beside the zip) and that the zip is the
one the manifest lists (telreg.ecert.cms.verify_publication, imported only then): a signature that does not verify
refuses the scrub; no signature scrubs as before, and the receipt says "unsigned".
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from telreg import config_defaults as defaults
from telreg.config_defaults import scrub_variables_set
from telreg.core.calendar import WorkingCalendar, load_holidays
from telreg.core.cli_support import AsOfOption, clock_for, parse_date
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Message, Msgid
from telreg.dnc.vocabulary import Register
from telreg.senders.scrub.engine import DECISIONS
from telreg.senders.scrub.errors import PublicationRefused
from telreg.senders.scrub.instructions import load_instructions
from telreg.senders.scrub.publication import Publication, load_publication, read_warning_days
from telreg.senders.scrub.service import check_send_date, scrub_list

__all__ = ["register", "scrub"]

_PROGRESS_FROM = 32 << 20  # lists smaller than this finish before a bar is worth drawing


def scrub(
    list_file: Annotated[Path, typer.Argument(help="The calling list: text or CSV, plain or zipped", metavar="LIST")],
    register: Annotated[str, typer.Option("--register", help="fax | sms | prerecorded")],
    publication: Annotated[Path, typer.Option("--publication", help="The downloaded <register>-dated.zip; its "
                                                                    ".sha256 file must be beside it")],
    out: Annotated[Path, typer.Option("--out", help="Directory for kept.csv, rejected.csv, report.json, "
                                                    "receipt.json")],
    column: Annotated[str | None, typer.Option("--column", help="Read numbers from this column of a CSV with a "
                                                                "header (default: one number per line)")] = None,
    instructions: Annotated[Path | None, typer.Option("--instructions", help="Consent/unsubscribe CSV with the "
                                                                             "header number,instruction,at")] = None,
    send_date: Annotated[str | None, typer.Option("--send-date", help="YYYY-MM-DD the messages will be sent "
                                                                      "(default: today in Hong Kong)")] = None,
    warning_days: Annotated[Path | None, typer.Option("--warning-days", help="Black-rainstorm/gale warning days, "
                                                                             "one ISO date per line")] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, max=64,
                                         help="Worker threads (at most the CPU count)")] = 2,
    ca_root: Annotated[Path | None, typer.Option("--ca-root", help="The e-Cert root certificate to check the "
                                                 "publication's signature with (default: root.crt beside it)")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Scrub a calling list against a do-not-call publication and your own consent/unsubscribe lists."""
    names = [r.value for r in Register]
    if register not in names:
        raise InvalidInput(N_("--register %(value)s: choose one of %(choices)s."), value=repr(register),
                           choices=", ".join(names))
    calendar = WorkingCalendar(read_warning_days(warning_days) if warning_days else frozenset())
    # The settings, the publication, the instructions and the holidays calendar load on threads beside the list's
    # first pass, which needs none of them (the holidays package alone takes 0.1 s on first use, pydantic-settings
    # 0.12 s to import when it is needed at all: see _settings), most of it Python that would otherwise run first.
    # The scrub makes no reference cycles worth collecting: the collector's pauses cost a few percent of a large one.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="scrub-load") as loader:
            settings = loader.submit(_settings, as_of)
            try:
                now = clock_for(as_of, production=False).now()  # --as-of in production: refused by _settings
                day = parse_date(send_date, what="--send-date") if send_date else now.date()
                check_send_date(day, today=now.date())  # before the slow part, so a typo is answered at once
            except InvalidInput:
                settings.result()  # a refused --as-of comes first: the dates were read with it
                raise
            loading = loader.submit(load_publication, publication, register=register, calendar=calendar,
                                    protection_days=lambda: settings.result().protection_working_days)
            given = loader.submit(load_instructions, instructions) if instructions else None
            loader.submit(load_holidays)  # on a thread that is free again: the publication needs them at its end
            signature = loader.submit(_publication_signature, publication, ca_root=ca_root, at=now, loading=loading)
            size = list_file.stat().st_size if list_file.is_file() else 0
            with _progress(show=size >= _PROGRESS_FROM) as advance:
                result = scrub_list(list_file, publication=loading, instructions=given, send_date=day, now=now,
                                    out_dir=out, column=column, warning_days_given=warning_days is not None,
                                    threads=threads, progress=advance, publication_signature=signature)
    finally:
        if collecting:
            gc.enable()
    pub = loading.result()
    report = result.report
    typer.echo(f"{report['lines']:,} lines scrubbed against the {pub.register} register of {pub.date} "
               f"(send date {day}) in {result.seconds:.2f} s: {report['kept']:,} kept, {report['not_kept']:,} not")
    for name in DECISIONS:
        typer.echo(f"  {name:<26} {report['counts'][name]:>12,}")
    signed = result.receipt["publication_signature"]
    typer.echo(f"publication signature: verified, signed by {signed['signer']} at {signed['signed_at']}"
               if signed["verified"] else f"publication signature: none ({signed['reason']})")
    for warning in report["warnings"]:
        typer.echo(f"note: {warning}", err=True)
    typer.echo(f"wrote {out / 'kept.csv'}, rejected.csv, report.json, receipt.json")
    sys.stdout.flush()


def _publication_signature(zip_path: Path, *, ca_root: Path | None, at: dt.datetime,
                           loading: Future[Publication]) -> dict[str, Any]:
    """The receipt's ``publication_signature``; a signature that does not verify refuses the publication."""
    if ca_root is None and not (zip_path.parent / "manifest.json.p7s").is_file():
        return {"verified": False, "status": "unsigned", "reason": f"no manifest.json.p7s beside {zip_path.name}"}
    from telreg.ecert.cms import BadSignature, verify_publication  # 60 ms of imports, only for a signed one

    try:
        return verify_publication(zip_path, sha256=lambda: loading.result().sha256, ca_root=ca_root, at=at)
    except BadSignature as exc:
        reason = Message(exc.template, **exc.extra) if isinstance(exc.template, Msgid) else exc.message
        raise PublicationRefused(Message.join([
            Message(N_("The publication's signature was checked and %(file)s is not scrubbed against:"),
                    file=zip_path.name), reason])) from None


@dataclass(frozen=True)
class _Settings:
    production: bool
    protection_working_days: int


def _settings(as_of: str | None) -> _Settings:
    """The two settings the scrub reads, refusing --as-of in production (see ``clock_for``). When neither of their
    variables is set, their defaults, without importing pydantic-settings (see telreg.config_defaults)."""
    if scrub_variables_set():
        from telreg.config import get_settings

        settings = get_settings()
        found = _Settings(settings.is_production, settings.protection_working_days)
    else:
        found = _Settings(defaults.ENV == "production", defaults.PROTECTION_WORKING_DAYS)
    clock_for(as_of, production=found.production)
    return found


@contextmanager
def _progress(*, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on standard error when it is a terminal and the list is long enough to watch (elsewhere
    it would draw nothing); yields the callback to give the scrub. Rich is imported only then (30 ms)."""
    if not (show and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("scrubbing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scrub", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def register(app: typer.Typer) -> None:
    """Add `scrub` to the root command."""
    app.command("scrub")(scrub)
