"""What a registration or transfer answers: done (masked holder, quota) or refused (code and reason).

A refusal is an answer, not an error: the rules raise ``Refused`` inside the attempt, the service rolls the
attempt back, records the refusal and returns it as an ``Outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Outcome", "Refused"]


class Refused(Exception):
    """Raised by a rule to stop an attempt.

    ``reason`` is shown to the operator's clerk and may carry masked personal data (the quota sentence names
    the masked holder); ``recorded`` is what the refusals table keeps, with no personal data at all.
    ``party`` says whose details were at fault (holder, guardian, agent, handler) when that matters.
    """

    def __init__(self, code: str, reason: str, *, recorded: str | None = None,
                 party: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.recorded = recorded or reason
        self.party = party


@dataclass(frozen=True)
class Outcome:
    status: str  # registered | transferred | refused
    code: str | None = None
    reason: str | None = None
    party: str | None = None
    registration_id: int | None = None
    previous_registration_id: int | None = None
    number: str | None = None
    holder: dict[str, Any] | None = None
    quota: dict[str, Any] | None = None

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    @classmethod
    def from_refusal(cls, refused: Refused) -> Outcome:
        return cls(status="refused", code=refused.code, reason=refused.reason, party=refused.party)

    def as_dict(self) -> dict[str, Any]:
        """Return the stable JSON: {"status", "reason", "code"} when refused, else the registration."""
        if self.refused:
            data: dict[str, Any] = {"status": self.status, "reason": self.reason, "code": self.code}
            if self.party:
                data["party"] = self.party
            return data
        data = {"status": self.status, "registration_id": self.registration_id, "number": self.number,
                "holder": self.holder, "quota": self.quota}
        if self.previous_registration_id is not None:
            data["previous_registration_id"] = self.previous_registration_id
        return data
