"""`telreg enforcement …`: reports, cases and notices, the fine scale, seed numbers, statistics."""

from __future__ import annotations

import typer

from telreg.enforcement.cases_cli import app as cases_app
from telreg.enforcement.cases_cli import fines_app
from telreg.enforcement.reports_cli import app as reports_app
from telreg.enforcement.seeds_cli import app as seeds_app

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Enforcement: the public's reports, cases, notices, the fine scale, "
                                              "seed numbers")
app.add_typer(reports_app, name="report")
app.add_typer(cases_app, name="case")
app.add_typer(fines_app, name="fines")
app.add_typer(seeds_app, name="seeds")
