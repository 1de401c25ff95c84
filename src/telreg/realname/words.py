"""The words real-name sentences put inside other sentences, each translated on its own (core/i18n.Message).

A refusal such as "The holder's hkid is not valid: …" names a party, a document type, a capture, a policy or a
quota. In English these stay exactly as they always read (the codes ``hkid``, ``card_reader``, ``terminated``:
the API, the CLI and the tests see the same sentence); in another language each becomes the word a person
reads ("香港身份證", "讀卡器", "已終止"), never an English fragment inside a Chinese sentence. The msgids are the
ones the pages use for the same things: web/realname/messages.py builds its keyed words from these tables, so
each word is written and translated once.
"""

from __future__ import annotations

from collections.abc import Iterable

from telreg.core.i18n import NP_, N_, Message, Msgid

__all__ = ["CAPTURE_NAMES", "DOCUMENT_NAMES", "LINE_NAMES", "PORT_STATE_NAMES", "STATE_NAMES", "and_list", "capture", "capture_by", "comma_list", "counter", "document", "documents", "line",
           "number_state", "party", "policy_label", "port_state"]

# TRANSLATORS: between the items of a list ("hkid, passport, passport-mrz").
_COMMA = N_(", ")
# TRANSLATORS: between the next-to-last and the last item of a list ("the date of birth and the composite").
_AND = N_(" and ")

DOCUMENT_NAMES: dict[str, Msgid] = {
    "hkid": N_("Hong Kong identity card"),
    "cn-resident-id": N_("Resident identity card"),
    "cn-temporary-resident-id": N_("Temporary resident identity card"),
    "cn-household-register": N_("Household register"),
    "cn-military-id": N_("Military identity card"),
    "cn-armed-police-id": N_("Armed police identity card"),
    "mtp-hk-macao": N_("Mainland Travel Permit for Hong Kong and Macao Residents"),
    "mtp-taiwan": N_("Mainland Travel Permit for Taiwan Residents"),
    "passport": N_("Passport (number)"),
    "passport-mrz": N_("Passport (machine-readable zone)"),
    "cn-orgcode": N_("Organisation code certificate"),
    "cn-uscc": N_("Business licence (unified social credit code)"),
    "hk-br": N_("Business registration certificate"),
}
CAPTURE_NAMES: dict[str, Msgid] = {
    "card_reader": N_("Card reader"),
    "mrz_scan": N_("Machine-readable zone scan"),
    "online_verification": N_("Online verification"),
    "manual": N_("Typed by hand"),
}
# How capture_proof.py has always said "read by …" in English.
_CAPTURED_BY = {"card_reader": "a card reader", "mrz_scan": "an MRZ scanner",
                "online_verification": "online verification", "manual": "hand"}
_PARTIES: dict[str, Msgid] = {
    "holder": NP_("realname_party", "holder"),
    "guardian": NP_("realname_party", "guardian"),
    "agent": NP_("realname_party", "agent"),
    "handler": NP_("realname_party", "handler"),
}
STATE_NAMES: dict[str, Msgid] = {
    "unregistered": N_("Unregistered"),
    "active": NP_("rn_state_active", "Active"),
    "outgoing_barred": N_("Outgoing calls barred"),
    "suspended": NP_("rn_state_suspended", "Suspended"),
    "deactivated": NP_("rn_state_deactivated", "Deactivated"),
    "quarantine": N_("In quarantine"),
    "terminated": N_("Terminated"),
    "contract": N_("Registered by contract"),
}
PORT_STATE_NAMES: dict[str, Msgid] = {
    "requested": N_("waiting for the donor"),
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
    "completed": N_("ported"),
    "cancelled": N_("withdrawn"),
}
LINE_NAMES: dict[str, Msgid] = {
    "mobile": N_("Mobile"),
    "fixed": N_("Fixed line"),
    "data-only": N_("Data only"),
}
_POLICIES: dict[str, Msgid] = {
    "hong-kong": N_("Hong Kong policy"),
    "mainland-china": N_("Mainland China policy"),
}
_COUNTED: dict[str, Msgid] = {
    "any": NP_("realname_quota", "numbers"),
    "prepaid": N_("prepaid numbers"),
    "postpaid": N_("postpaid numbers"),
}


def _term(code: str, names: dict[str, Msgid], english: str | None = None) -> str:
    name = names.get(code)
    shown = code if english is None else english
    return Message.term(shown, name) if name is not None else shown


def document(doc_type: str, *, quoted: bool = False) -> str:
    """Name a document type: ``hkid`` in English (``'hkid'`` when QUOTED), 香港身份證 in Chinese.

    A type telreg does not know stays as it was typed, quoted: it is the caller's own word.
    """
    return _term(doc_type, DOCUMENT_NAMES, repr(doc_type) if quoted else None)


def documents(doc_types: Iterable[str]) -> Message:
    """Name several document types as a list: "hkid, passport" / "香港身份證、護照(號碼)"."""
    return comma_list(document(code) for code in doc_types)


def capture(method: str, *, quoted: bool = False) -> str:
    """Name a capture method by its code in English (``card_reader``), by its name in the other languages."""
    return _term(method, CAPTURE_NAMES, repr(method) if quoted else None)


def capture_by(method: str) -> str:
    """Name a capture method after "by": "a card reader", "hand" in English; 讀卡器, 人手輸入 in Chinese."""
    return _term(method, CAPTURE_NAMES, _CAPTURED_BY.get(method, repr(method)))


def party(role: str) -> str:
    """Name a party of a registration: holder, guardian, agent, handler (機主, 監護人, 代辦人, 經辦人)."""
    return _term(role, _PARTIES)


def number_state(state: str) -> str:
    """Name a number's state: ``outgoing_barred`` in English sentences, 已暫停撥出 in Chinese."""
    return _term(state, STATE_NAMES)


def port_state(state: str) -> str:
    """Name a port request's state: ``completed`` in English sentences, 已轉攜 in Chinese."""
    return _term(state, PORT_STATE_NAMES)


def line(kind: str) -> str:
    """Name a kind of line: ``data-only`` in English sentences, 只限數據 in Chinese."""
    return _term(kind, LINE_NAMES)


def policy_label(name: str) -> Message:
    """Name a policy for a sentence: hong-kong -> "Hong Kong policy" (香港實名登記政策)."""
    english = f"{name.replace('-', ' ').title()} policy"
    known = _POLICIES.get(name)
    if known is not None:
        return Message.term(english, known)
    return Message(N_("%(name)s policy"), name=name.replace("-", " ").title())


def counter(key: str) -> Message:
    """Name a quota counter: any -> "numbers", postpaid:data-only+mobile -> "postpaid numbers (data-only,
    mobile lines)"."""
    service, _, lines = key.partition(":")
    counted = _COUNTED.get(service)
    what = Message(counted) if counted is not None else Message(N_("%(service)s numbers"), service=service)
    if not lines:
        return what
    return Message(N_("%(what)s (%(lines)s lines)"), what=what,
                   lines=comma_list(line(kind) for kind in lines.split("+")))


def comma_list(items: Iterable[str]) -> Message:
    """Join ITEMS with ", " (、 in Chinese), each in the language asked for."""
    return Message.join(list(items), _COMMA)


def and_list(items: Iterable[str]) -> Message:
    """Join ITEMS as "a, b and c" (a、b及c in Chinese)."""
    listed = list(items)
    if len(listed) < 2:
        return Message.join(listed)
    return Message.join([comma_list(listed[:-1]), listed[-1]], _AND)
