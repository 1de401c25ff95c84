"""The real-name blind indexes `telreg keys rotate --index-key` recomputes (see core/key_rotation.py).

Both are the index of the normalised document number kept sealed beside it, keyed by its document type (types
that carry the same number share one index: identities.document_index).
"""

from __future__ import annotations

from telreg.core.key_rotation import BlindIndexColumn, register_blind_index
from telreg.core.vault import Vault
from telreg.realname.identities import document_index


def _document(vault: Vault, doc_type: str, normalised: str) -> str:
    return document_index(vault, doc_type=doc_type, normalised=normalised)


for _table in ("realname_identities", "realname_verification_flags"):
    register_blind_index(BlindIndexColumn(table=_table, index_column="document_index",
                                          sealed_column="document_sealed", kind_column="doc_type",
                                          compute=_document))
