"""Errors the telephony platform (not the caller) can cause; callers only ever hear prompts."""

from __future__ import annotations

from telreg.core.errors import Conflict, NotFound


class UnknownLine(NotFound):
    code = "unknown_line"


class UnknownCall(NotFound):
    code = "unknown_call"


class TurnRejected(Conflict):
    """A turn that cannot belong to the call: older than the last one answered, or after the call ended."""

    code = "turn_rejected"
