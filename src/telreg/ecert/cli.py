"""`telreg ecert …`: the certification authority's commands. Each part of the CA registers its own."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="e-Cert certification authority: init, issue, revoke, renew, crl, "
                  "status, fees")


def _register_parts() -> None:
    # One line per part (each module defines register(app)).
    from telreg.ecert import hierarchy_cli  # init, ca-info, root-sign-crl, renew-signer
    hierarchy_cli.register(app)
    from telreg.ecert import subscription_cli
    subscription_cli.register(app)
    from telreg.ecert import status_cli
    status_cli.register(app)
    from telreg.ecert import lifecycle_cli
    lifecycle_cli.register(app)


_register_parts()
