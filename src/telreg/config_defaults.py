"""The defaults of the settings `telreg scrub` reads, importable without pydantic (see telreg.config).

Why a module of its own: the scrub is the sender's offline tool, and importing pydantic-settings takes 0.12 s, a
seventh of scrubbing 10 million lines. When none of the variables below is set, the scrub takes these defaults
without importing it; when one is, it reads the settings as every other command does.
"""

from __future__ import annotations

import os

__all__ = ["ENV", "PROTECTION_WORKING_DAYS", "SCRUB_VARIABLES", "scrub_variables_set"]

ENV = "development"
PROTECTION_WORKING_DAYS = 10
SCRUB_VARIABLES = ("TELREG_ENV", "TELREG_PROTECTION_WORKING_DAYS")


def scrub_variables_set() -> bool:
    """Is any variable the scrub reads set? (Names match in any case, as pydantic-settings matches them.)"""
    return any(name.upper() in SCRUB_VARIABLES for name in os.environ)
