"""Errors of the real-name registration context.

    DomainError (core/errors.py)
    └── PolicyError (500 invalid_policy) — the configured policy file is missing, not TOML, or breaks the
                                          schema; carries the file and its problems, each with its line

Errors a registration can meet (refusals, quotas, lifecycle) join this tree as they are written; each carries
the offending values so a person can act on the message.
"""

from __future__ import annotations

from typing import Any

from telreg.core.errors import DomainError


class PolicyError(DomainError):
    """A real-name policy cannot be used; telreg refuses to start with it."""

    # A broken policy is the deployment's fault, never the caller's: 500, not 4xx.
    status_code = 500
    code = "invalid_policy"

    def __init__(self, message: str, *, source: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, source=source, problems=problems or [])
        self.source = source
        self.problems = problems or []
