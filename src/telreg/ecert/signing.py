"""The platform signs what it publishes: "sign this document if the CA exists", for the contexts that publish.

    dnc.publish   manifest.json          -> manifest.json.p7s   (written in the publication's temporary directory,
                                                                  so it appears with the publication, atomically)
    washing       receipt.json           -> receipt.json.p7s    (beside the wash's results, downloadable with them)
    audit log     GET /audit/checkpoint  -> GET /audit/checkpoint.p7s (the exact note bytes served, signed on demand)

Every signature is a detached CMS SignedData by the issuing CA's document-signing certificate (``cms.py``),
verifiable with ``openssl cms -verify -binary -CAfile root.pem`` or ``telreg scrub --ca-root``.

When there is no CA yet (``telreg ecert init`` not run): documents go out unsigned and a warning is logged, in
every environment — the registers must be published every night whatever the CA's state, and a sender's scrub says
"unsigned" in its receipt. Once a CA exists, production *requires* the signature: a publication whose signature
cannot be made (the signer's key cannot be opened, its certificate expired) is refused, the job fails and is
retried, and no unsigned publication appears; outside production it is published unsigned with a warning.

The core's audit API must not import the contexts, so the checkpoint's signature is a route of this module
(``router``), included by the app next to the audit router.

The signer's key is decrypted once per process (``load_hierarchy`` caches the hierarchy); a checkpoint's signature
is kept until the next checkpoint is published, so polling clients do not make the platform sign at every request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import Response

from telreg.core.access import Public
from telreg.core.clock import Clock
from telreg.core.i18n import N_
from telreg.core.tlog import service as tlog
from telreg.deps import ClockDep, ReadSession, RuntimeDep
from telreg.ecert.cms import sign_detached
from telreg.ecert.errors import CaNotReady

if TYPE_CHECKING:
    from telreg.config import Settings
    from telreg.ecert.keys import DelegatedSigner

__all__ = ["SIGNATURE_SUFFIX", "ca_exists", "document_signer", "router", "sign_bytes", "sign_file"]

SIGNATURE_SUFFIX = ".p7s"
CMS_MEDIA_TYPE = "application/pkcs7-signature"
log = logging.getLogger("telreg.ecert.signing")
_lock = threading.Lock()
_checkpoint_signatures: dict[tuple[bytes, int], bytes] = {}  # (note's SHA-256, signer serial) -> CMS


def ca_exists(settings: Settings) -> bool:
    """Has a CA been initialised here (whether or not its keys can be opened now)?"""
    from telreg.ecert.hierarchy import MARKER, ca_dir

    return (ca_dir(settings) / MARKER).is_file()


def document_signer(settings: Settings) -> DelegatedSigner:
    """The document-signing certificate and key; CaNotReady when there is no CA or its keys cannot be opened."""
    from telreg.ecert.hierarchy import load_hierarchy  # the CA's modules only when something is signed

    return load_hierarchy(settings).documents


def _signer_or_none(settings: Settings, *, clock: Clock, what: str) -> DelegatedSigner | None:
    """The signer, or None when the document may go out unsigned (see the module docstring); raises otherwise."""
    try:
        signer = document_signer(settings)
        certificate, now = signer.certificate, clock.now()
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise CaNotReady(N_("The document-signing certificate %(serial)s is not valid now (valid %(not_before)s "
                                "to %(not_after)s): a CA officer must certify a new one."),
                             serial=format(certificate.serial_number, "x"),
                             not_before=certificate.not_valid_before_utc.isoformat(),
                             not_after=certificate.not_valid_after_utc.isoformat())
        return signer
    except CaNotReady as exc:
        if settings.is_production and ca_exists(settings):
            raise
        log.warning("%s is not signed: %s", what, exc.message)
        return None


def sign_file(path: Path, *, settings: Settings, clock: Clock) -> Path | None:
    """Write ``<path>.p7s``, a detached signature of the file, fsynced; return it, or None when unsigned."""
    signer = _signer_or_none(settings, clock=clock, what=path.name)
    if signer is None:
        return None
    signature = sign_detached(path.read_bytes(), signer, signed_at=clock.now())
    target = path.with_name(path.name + SIGNATURE_SUFFIX)
    partial = target.with_name(f".{target.name}.partial")
    with open(partial, "wb") as out:
        out.write(signature)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)  # the signature is whole or absent
    return target


def sign_bytes(data: bytes, *, settings: Settings, clock: Clock, what: str) -> bytes | None:
    """A detached CMS signature (DER) of DATA by the document signer, or None when it goes out unsigned (same
    rule as :func:`sign_file`: no CA outside production, with a warning; WHAT names the document in the log)."""
    signer = _signer_or_none(settings, clock=clock, what=what)
    if signer is None:
        return None
    return sign_detached(data, signer, signed_at=clock.now())


# ---- the audit checkpoint's signature ---------------------------------------------------------------------------

router = APIRouter(prefix="/audit", tags=["audit log"], dependencies=[Public], include_in_schema=False)


@router.get("/checkpoint.p7s")
def checkpoint_signature(session: ReadSession, runtime: RuntimeDep, clock: ClockDep) -> Response:
    """A detached CMS signature, by the platform's document-signing certificate, over the exact bytes that
    ``GET /audit/checkpoint`` serves now (503 while there is no CA). If a new checkpoint is published between the
    two requests, the signature does not match: fetch both again."""
    note = tlog.published_note(session, runtime.settings).encode("utf-8")
    signer = document_signer(runtime.settings)
    key = (hashlib.sha256(note).digest(), signer.certificate.serial_number)
    with _lock:
        signature = _checkpoint_signatures.get(key)
    if signature is None:
        signature = sign_detached(note, signer, signed_at=clock.now())
        with _lock:
            _checkpoint_signatures.clear()  # only the latest checkpoint is served
            _checkpoint_signatures[key] = signature
    return Response(signature, media_type=CMS_MEDIA_TYPE,
                    headers={"Cache-Control": "no-cache",
                             "Content-Disposition": 'attachment; filename="checkpoint.p7s"'})
