"""`telreg ivr`: play a whole hotline call in the terminal (placeholder until the IVR engine lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
