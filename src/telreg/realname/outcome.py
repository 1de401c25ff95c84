"""What a registration or transfer answers: done (masked holder, quota) or refused (code and reason).

A refusal is an answer, not an error: the rules raise ``Refused`` inside the attempt, the service rolls the
attempt back, records the refusal and returns it as an ``Outcome``.

A refusal is raised with its sentences marked for the catalogs and their parameters::

    raise Refused("quota_reached", N_("%(holder)s already holds %(held)s of %(limit)s …"),
                  recorded=N_("The holder already holds %(held)s of %(limit)s …"), party="holder",
                  holder=masked_name, held=10, limit=10, …)

``reason`` and ``recorded`` are then the English sentences (what the refusals table keeps, and the CLI prints)
and ``Outcome.reason_in(lang)`` the reason in a page's or a request's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telreg.core.i18n import EN, Message, Msgid

__all__ = ["Outcome", "Refused"]


class Refused(Exception):
    """Raised by a rule to stop an attempt.

    ``reason`` is shown to the operator's clerk and may carry masked personal data (the quota sentence names
    the masked holder); ``recorded`` is what the refusals table keeps, with no personal data at all.
    ``party`` says whose details were at fault (holder, guardian, agent, handler) when that matters.
    ``recorded_code`` is the code the refusals table keeps when it differs from the one answered: another
    operator's number is answered as an unknown one (the clerk must not learn it exists), recorded as what it is.
    REASON and RECORDED are marked templates (``N_``) filled from PARAMS; ``reason`` and ``recorded`` are the
    English sentences, ``Message``s that can be put into another language (``reason.in_language(lang)``).
    ``template`` and ``params`` let a caller raise the sentence as a DomainError (porting: quota_reached).
    """

    def __init__(self, code: str, reason: str, /, *, recorded: str | None = None, party: str | None = None,
                 recorded_code: str | None = None, **params: Any) -> None:
        self.code = code
        self.recorded_code = recorded_code or code
        self.template = reason if isinstance(reason, Msgid) else None
        self.params = params
        self.reason: str = Message(reason, **params) if self.template is not None else reason
        self.recorded: str = (self.reason if recorded is None else
                              Message(recorded, **params) if isinstance(recorded, Msgid) else recorded)
        self.party = party
        super().__init__(str(self.reason))


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
        return cls(status="refused", code=refused.code, reason=refused.reason, party=refused.party,
                   number=refused.params.get("number"))

    def reason_in(self, lang: str) -> str | None:
        """Return the refusal's reason in LANG (English for English, or when it was never marked)."""
        if isinstance(self.reason, Message):
            return self.reason.in_language(lang)
        return self.reason

    def as_dict(self, lang: str = EN) -> dict[str, Any]:
        """Return the stable JSON: {"status", "reason", "code"} when refused, else the registration.

        ``code`` never changes with the language; ``reason`` is the sentence for a person, in LANG.
        """
        if self.refused:
            data: dict[str, Any] = {"status": self.status, "reason": self.reason_in(lang), "code": self.code}
            if self.party:
                data["party"] = self.party
            return data
        data = {"status": self.status, "registration_id": self.registration_id, "number": self.number,
                "holder": self.holder, "quota": self.quota}
        if self.previous_registration_id is not None:
            data["previous_registration_id"] = self.previous_registration_id
        return data
