"""The audit log's Ed25519 keys: the log's signing key and this deployment's witness (cosigner) key.

A key file holds one line ``PRIVATE+KEY+<name>+<hex id>+<base64>`` (see note.py). Outside production a missing
file setting means a key generated once under data_dir, 0600, hard-linked into place so two processes starting
together agree on it (as core/pii_keys.py does). Production refuses to generate one: a checkpoint signed by a
key nobody keeps safe proves nothing.
"""

from __future__ import annotations

from pathlib import Path

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.core.secret_files import write_once
from telreg.core.tlog.errors import AuditKeyRefused
from telreg.core.tlog.note import (
    COSIGNATURE_V1,
    ED25519,
    NoteError,
    Signer,
    Verifier,
    generate_signer,
    parse_private_key,
    parse_vkey,
)

LOG_KEY_FILE = "audit_log.key"
WITNESS_KEY_FILE = "audit_witness.key"


def witness_name(settings: Settings) -> str:
    return settings.audit_witness_name or f"{settings.audit_log_origin}/witness"


def log_signer(settings: Settings) -> Signer:
    """The key that signs this deployment's checkpoints; its name must be the log's origin."""
    signer = _load(settings, settings.audit_log_key_file, LOG_KEY_FILE, settings.audit_log_origin, ED25519,
                   setting="TELREG_AUDIT_LOG_KEY_FILE")
    if signer.name != settings.audit_log_origin:
        raise AuditKeyRefused(N_("The audit log key is named %(name)s but the log's origin is %(origin)s; "
                                 "they must be the same."), name=signer.name, origin=settings.audit_log_origin)
    return signer


def log_verifier(settings: Settings) -> Verifier:
    return log_signer(settings).verifier


def witness_signer(settings: Settings) -> Signer:
    return _load(settings, settings.audit_witness_key_file, WITNESS_KEY_FILE, witness_name(settings),
                 COSIGNATURE_V1, setting="TELREG_AUDIT_WITNESS_KEY_FILE")


def witnessed_logs(settings: Settings) -> dict[str, Verifier]:
    """The logs this deployment witnesses: origin -> the log's verifier key."""
    out = {}
    for entry in settings.audit_witnessed_logs:
        verifier = _vkey(entry, "TELREG_AUDIT_WITNESSED_LOGS")
        out[verifier.name] = verifier
    return out


def witnesses(settings: Settings) -> list[tuple[str, Verifier]]:
    """The witnesses this log asks: (submission URL prefix, the witness's cosignature verifier key)."""
    out = []
    for entry in settings.audit_witnesses:
        url, _, vkey = entry.strip().partition(" ")
        if not url or not vkey:
            raise AuditKeyRefused(N_("TELREG_AUDIT_WITNESSES: %(entry)s is not '<URL> <verifier key>'."),
                                  entry=entry)
        out.append((url.rstrip("/"), _vkey(vkey.strip(), "TELREG_AUDIT_WITNESSES")))
    return out


def _vkey(text: str, setting: str) -> Verifier:
    try:
        return parse_vkey(text)
    except NoteError as exc:
        raise AuditKeyRefused(N_("%(setting)s: %(problem)s."), setting=setting, problem=str(exc)) from None


def _load(settings: Settings, configured: Path | None, file_name: str, name: str, sig_type: int, *,
          setting: str) -> Signer:
    if configured is None:
        if settings.is_production:
            raise AuditKeyRefused(N_("%(setting)s is not set: production never generates the audit log's "
                                     "keys itself."), setting=setting)
        configured = _ensure_dev_key(Path(settings.data_dir) / file_name, name, sig_type)
    try:
        signer = parse_private_key(Path(configured).read_text(encoding="ascii"))
    except FileNotFoundError:
        raise AuditKeyRefused(N_("The audit key file %(path)s does not exist."), path=str(configured)) from None
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        raise AuditKeyRefused(N_("The audit key file %(path)s cannot be used: %(reason)s."), path=str(configured),
                              reason=str(exc)) from None
    if signer.sig_type != sig_type:
        raise AuditKeyRefused(N_("The audit key file %(path)s holds a key of the wrong type."),
                              path=str(configured))
    return signer


def _ensure_dev_key(path: Path, name: str, sig_type: int) -> Path:
    return write_once(path, lambda: generate_signer(name, sig_type).private_line() + "\n")
