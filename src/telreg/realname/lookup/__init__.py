"""The one-identity lookup (mainland 一证通查): after proving who they are with a document and a one-time code
sent to a number they hold, a person sees how many numbers each operator has registered under their identity,
the proved operator's numbers masked, and can flag numbers they do not recognise for the operator.

    codes.py     request a code, prove it, the access it grants (rate limits, hashing)
    summary.py   the counts and masked numbers a proved person sees
    flags.py     flag a number; list and close flags (operator staff)
    models.py    realname_lookup_challenges, realname_flags
"""

from telreg.realname.lookup.codes import (
    DEFAULT_LIMITS,
    CodeRequested,
    DeferredSms,
    LookupAccess,
    LookupLimits,
    Proof,
    access,
    ensure_offered,
    limits_for,
    prove_code,
    request_code,
)
from telreg.realname.lookup.flags import (
    close_flag,
    count_operator_flags,
    flag_number,
    flag_view,
    operator_flags,
)
from telreg.realname.lookup.summary import summary

__all__ = [
    "DEFAULT_LIMITS", "CodeRequested", "DeferredSms", "LookupAccess", "LookupLimits", "Proof", "access",
    "close_flag", "count_operator_flags", "ensure_offered", "flag_number", "flag_view", "limits_for",
    "operator_flags", "prove_code",
    "request_code", "summary",
]
