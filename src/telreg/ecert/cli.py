"""`telreg ecert …`: the certification authority's commands. Each part of the CA registers its own."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="e-Cert certification authority: init, issue, revoke, renew, crl, "
                  "status, fees")


def _register_parts() -> None:
    # One line per part (each module defines register(app)).
    pass


_register_parts()
