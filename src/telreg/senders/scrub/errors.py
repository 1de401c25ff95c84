"""Why a scrub refuses to start: each is a DomainError, so the CLI prints the message and exits 1.

    InvalidInput (core)
    ├── PublicationRefused (422 publication_refused) — missing, altered or wrong-register publication
    ├── ListRefused (422 list_refused) — empty, binary, unreadable list, or a column that is not there
    └── InstructionsRefused (422 instructions_refused) — a consent/unsubscribe file with bad lines
"""

from __future__ import annotations

from telreg.core.errors import InvalidInput

__all__ = ["InstructionsRefused", "ListRefused", "PublicationRefused"]


class PublicationRefused(InvalidInput):
    code = "publication_refused"


class ListRefused(InvalidInput):
    code = "list_refused"


class InstructionsRefused(InvalidInput):
    code = "instructions_refused"
