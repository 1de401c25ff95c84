"""CA keys kept as encrypted PKCS#8 files: the ``KeyStore`` for deployments without an HSM.

One file per label (``<label>.key.pem``), written once (0600, in a 0700 directory) and never overwritten:
generating a label that exists is refused, since replacing a CA key would orphan every certificate it signed.
The files are encrypted with ``BestAvailableEncryption`` (PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC), so a copy
of the directory — a backup, a stolen disk — is useless without the passphrase.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from telreg.core.i18n import N_
from telreg.core.secret_files import private_dir, write_once
from telreg.ecert.errors import CaNotReady
from telreg.ecert.keys import PrivateKey, SoftwareKey

__all__ = ["SoftwareKeyStore", "generate_private_key"]


def generate_private_key(algorithm: str) -> PrivateKey:
    """A new private key of a profile's algorithm (ec-p256, ec-p384, rsa-2048, rsa-3072)."""
    if algorithm == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if algorithm in ("rsa-2048", "rsa-3072"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))
    raise ValueError(f"unknown key algorithm {algorithm!r}")


class SoftwareKeyStore:
    """Keys by label in ``directory``, each encrypted under ``passphrase``."""

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        if not passphrase:
            raise ValueError("a key store needs a passphrase")
        self.directory = directory
        self.passphrase = passphrase

    def path(self, label: str) -> Path:
        return self.directory / f"{label}.key.pem"

    def generate(self, label: str, algorithm: str) -> SoftwareKey:
        return SoftwareKey(self.generate_private(label, algorithm))

    def generate_private(self, label: str, algorithm: str) -> PrivateKey:
        """Generate and store a key; refuse when the label's file exists (a CA key is never replaced)."""
        path = self.path(label)
        if path.exists():
            raise CaNotReady(N_("The key file %(path)s exists already; telreg never overwrites a CA key."),
                             path=str(path))
        key = generate_private_key(algorithm)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(self.passphrase))
        private_dir(self.directory)
        write_once(path, lambda: pem.decode("ascii"))
        return key

    def load(self, label: str) -> SoftwareKey:
        return SoftwareKey(self.load_private(label))  # type: ignore[arg-type]

    def load_private(self, label: str) -> PrivateKey:
        path = self.path(label)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CaNotReady(N_("The CA key file %(path)s cannot be read: %(detail)s."), path=str(path),
                             detail=str(exc.strerror or exc)) from None
        try:
            key = serialization.load_pem_private_key(data, password=self.passphrase)
        except (ValueError, TypeError):
            raise CaNotReady(N_("The CA key file %(path)s cannot be opened: wrong passphrase, or not a key."),
                             path=str(path)) from None
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise CaNotReady(N_("The CA key file %(path)s cannot be opened: wrong passphrase, or not a key."),
                             path=str(path))
        return key
