"""Demo verification register: a few documents flagged forged, lost or used by an impostor.

With the default ``register`` identity verifier, registering with one of these is refused
(``document_forged``, ``document_lost``, ``identity_impostor``); the README's demo section names them.
Loaded through the register's own service, as an officer would load a file; a document already flagged is
left as it is, so loading twice changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.vault import load_vault
from telreg.realname import verification_register
from telreg.realname import verification_repository as repository
from telreg.realname.documents import check_document
from telreg.realname.identities import document_index

ACTOR = "demo"
# (doc_type, number as printed, result, reason, owner_name): HKIDs and a resident ID with right check digits.
DEMO_FLAGS = (
    ("hkid", "E765432(8)", "forged", "Demo: altered card seized at a shop", None),
    ("hkid", "G654321(8)", "lost", "Demo: reported lost by its holder", None),
    ("hkid", "K112233(9)", "impostor", "Demo: holder reports someone else registering with it",
     "KWOK Mei Ling"),
    ("cn-resident-id", "440305198510201168", "forged", "Demo: no such card in the issuer's records", None),
)


def load_verification_flags(session: Session, *, clock: Clock, settings: Settings) -> list[str]:
    """Flag the demo documents not flagged yet; return their types and numbers as printed."""
    vault = load_vault(settings)
    missing = []
    for doc_type, number, result, reason, owner in DEMO_FLAGS:
        normalised = check_document(doc_type, number).normalised
        assert normalised is not None, f"demo document {number} must be valid"
        if repository.flag_in_force(session, document_index(vault, doc_type=doc_type, normalised=normalised)):
            continue
        missing.append({"doc_type": doc_type, "number": number, "result": result, "reason": reason,
                        "owner_name": owner})
    if missing:
        verification_register.load_rows(session, vault=vault, clock=clock, rows=missing, actor=ACTOR,
                                        source="demo")
    return [f"{row['doc_type']} {row['number']}" for row in missing]
