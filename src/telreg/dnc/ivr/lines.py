"""The hotlines: which telephone line serves which register, and which one takes faxed codes.

Each register has its own registration hotline (seed 004 Q1.4, Q2.1); the fax register also has a confirmation
line on which a caller keys the authentication code that was faxed to them (Q3.3). The platform names the line
a call arrived on; this table is the one place that maps those names to registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from telreg.core.i18n import N_
from telreg.dnc.ivr.errors import UnknownLine
from telreg.dnc.vocabulary import Register


class LineKind(str, Enum):
    hotline = "hotline"  # register / deregister / status / register other number
    fax_confirm = "fax-confirm"  # key a fax number and the code faxed to it


@dataclass(frozen=True)
class Line:
    name: str
    kind: LineKind
    register: Register

    @property
    def offers_fax_callback(self) -> bool:
        """Only the fax register's hotline offers to fax a code (a fax machine cannot answer a call)."""
        return self.kind is LineKind.hotline and self.register is Register.fax


LINES: dict[str, Line] = {
    "sms": Line("sms", LineKind.hotline, Register.sms),
    "prerecorded": Line("prerecorded", LineKind.hotline, Register.prerecorded),
    "fax": Line("fax", LineKind.hotline, Register.fax),
    "fax-confirm": Line("fax-confirm", LineKind.fax_confirm, Register.fax),
}

# The number the fax tells people to call; shown in prompts and faxes only.
FAX_CONFIRM_NUMBER = "1835005"


def get_line(name: str) -> Line:
    """Return the line a call arrived on, or refuse a name the platform should not be sending."""
    try:
        return LINES[name]
    except KeyError:
        raise UnknownLine(
            N_("Line '%(line)s' is not a do-not-call hotline; the lines are %(lines)s."), line=name,
            lines=", ".join(sorted(LINES)),
        ) from None
