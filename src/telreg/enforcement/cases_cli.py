"""`telreg enforcement …` commands: PLACEHOLDER (groundwork) — the owning work replaces this module."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)
