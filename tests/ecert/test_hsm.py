"""CA keys in a PKCS#11 token (SoftHSM2): generated and used inside it, judged by OpenSSL.

Certificates and CRLs signed through ``HsmKey`` must pass ``openssl verify`` / ``openssl crl -verify``; the private
key must be impossible to read or wrap out of the token; every way of not reaching the key (no library, no
token, wrong PIN, no such label) must be a ``CaNotReady`` with a sentence, not a PKCS#11 traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from sqlalchemy.orm import Session

from telreg.config import Environment, Settings
from telreg.core.secret_files import SecretFileExposed
from telreg.ecert.errors import BadRequestData, CaNotReady
from telreg.ecert.hierarchy import ca_dir, forget_hierarchy, init_hierarchy, load_hierarchy
from telreg.ecert.hsm import (
    HsmKey,
    HsmKeyExists,
    HsmKeyStore,
    der_bit_string,
    der_element,
    der_length,
    der_sequence,
    signature_algorithm,
)
from telreg.ecert.issuance import issue_certificate
from telreg.runtime import Runtime
from tests.ecert.pkilint_checks import lint_certificate, lint_crl
from tests.ecert.softhsm import SoftHsm, token_session

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def _label() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "telreg tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _root_builder(key: HsmKey) -> x509.CertificateBuilder:
    name = _name(f"HSM Root {key.algorithm}")
    public = key.public_key()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))


def _leaf_builder(root: x509.Certificate) -> x509.CertificateBuilder:
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (x509.CertificateBuilder().subject_name(_name("Chan Tai Man")).issuer_name(root.subject)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False))


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def _pem(path: Path, thing: x509.Certificate | x509.CertificateRevocationList) -> str:
    path.write_bytes(thing.public_bytes(Encoding.PEM))
    return str(path)


@pytest.fixture
def store(softhsm: SoftHsm) -> HsmKeyStore:
    return HsmKeyStore(softhsm.settings())


# ---- signing, judged by OpenSSL -------------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["ec-p256", "ec-p384", "rsa-2048", "rsa-3072"])
def test_certificates_and_a_crl_signed_in_the_token_verify_with_openssl(store: HsmKeyStore, tmp_path: Path,
                                                                        algorithm: str) -> None:
    key = store.generate(_label(), algorithm)
    assert key.algorithm == algorithm

    root = key.sign_certificate(_root_builder(key))
    assert root.public_key() == key.public_key()
    leaf = key.sign_certificate(_leaf_builder(root))
    root_pem, leaf_pem = _pem(tmp_path / "root.pem", root), _pem(tmp_path / "leaf.pem", leaf)

    chain = _openssl("verify", "-x509_strict", "-attime", str(int(NOW.timestamp()) + 60), "-CAfile", root_pem,
                     leaf_pem)
    assert chain.returncode == 0 and chain.stdout.strip() == f"{leaf_pem}: OK", chain.stdout + chain.stderr

    crl = key.sign_crl(
        x509.CertificateRevocationListBuilder().issuer_name(root.subject).last_update(NOW)
        .next_update(NOW + dt.timedelta(hours=24))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(leaf.serial_number)
                                 .revocation_date(NOW).build()))
    crl_pem = _pem(tmp_path / "crl.pem", crl)
    checked = _openssl("crl", "-in", crl_pem, "-CAfile", root_pem, "-noout", "-verify")
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr, checked.stderr

    revoked = _openssl("verify", "-crl_check", "-attime", str(int(NOW.timestamp()) + 60), "-CAfile", root_pem,
                       "-CRLfile", crl_pem, leaf_pem)
    assert revoked.returncode != 0 and "certificate revoked" in revoked.stdout + revoked.stderr


def test_the_key_is_the_same_for_another_store_and_another_process(store: HsmKeyStore,
                                                                   softhsm: SoftHsm) -> None:
    label = _label()
    made = store.generate(label, "ec-p256")
    again = HsmKeyStore(softhsm.settings()).load(label)
    assert again.algorithm == "ec-p256" and again.public_key() == made.public_key()

    # The worker and the server are other processes: the key is a token object, not this process's memory.
    script = ("import sys; from pathlib import Path; from telreg.config import Settings, Environment;"
              "from telreg.ecert.hsm import HsmKeyStore;"
              "from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat;"
              f"s = Settings(env=Environment.test, data_dir=Path({str(softhsm.conf.parent / 'data')!r}),"
              f" secret_key='x', ecert_hsm_module={str(softhsm.module)!r}, ecert_hsm_token_label={softhsm.shared!r},"
              f" ecert_hsm_pin_file=Path({str(softhsm.pin_file)!r}));"
              f"sys.stdout.write(HsmKeyStore(s).load({label!r}).public_key().public_bytes(Encoding.PEM,"
              " PublicFormat.SubjectPublicKeyInfo).decode())")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,
                           env={**os.environ, "SOFTHSM2_CONF": str(softhsm.conf)})
    assert other.returncode == 0, other.stderr
    assert other.stdout == made.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def test_threads_sign_at_once_through_one_key(store: HsmKeyStore, tmp_path: Path) -> None:
    key = store.generate(_label(), "ec-p256")
    root = key.sign_certificate(_root_builder(key))
    signed: list[x509.Certificate] = []
    failures: list[BaseException] = []

    def sign_some() -> None:
        try:
            for _ in range(8):
                signed.append(key.sign_certificate(_leaf_builder(root)))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below, not lost in the thread)
            failures.append(exc)

    threads = [threading.Thread(target=sign_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(signed) == 32
    for certificate in signed:
        certificate.verify_directly_issued_by(root)


# ---- the private key stays in the token -----------------------------------------------------------------------

@pytest.mark.parametrize(("algorithm", "secret"), [("ec-p256", Attribute.VALUE),
                                                   ("rsa-2048", Attribute.PRIVATE_EXPONENT)])
def test_the_private_key_cannot_be_read_or_wrapped_out_of_the_token(store: HsmKeyStore, softhsm: SoftHsm,
                                                                    algorithm: str, secret: Attribute) -> None:
    label = _label()
    store.generate(label, algorithm)
    with token_session(softhsm, softhsm.shared) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
        assert private[Attribute.TOKEN] and private[Attribute.PRIVATE] and private[Attribute.LOCAL]
        assert private[Attribute.SENSITIVE] and private[Attribute.ALWAYS_SENSITIVE]
        assert not private[Attribute.EXTRACTABLE] and private[Attribute.NEVER_EXTRACTABLE]
        assert not private[Attribute.DECRYPT]
        with pytest.raises(pkcs11.AttributeSensitive):
            private[secret]
        wrapping = session.generate_key(KeyType.AES, 256, template={Attribute.WRAP: True})
        with pytest.raises(pkcs11.KeyUnextractable):
            wrapping.wrap_key(private, mechanism=Mechanism.AES_KEY_WRAP_PAD)
        with pytest.raises(pkcs11.PKCS11Error):  # and it cannot be made extractable afterwards
            private[Attribute.EXTRACTABLE] = True
        assert not private[Attribute.EXTRACTABLE]


# ---- refusals ---------------------------------------------------------------------------------------------------

def test_a_label_in_use_is_refused_and_the_key_kept(store: HsmKeyStore) -> None:
    label = _label()
    first = store.generate(label, "ec-p256")
    with pytest.raises(HsmKeyExists) as refused:
        store.generate(label, "rsa-2048")
    assert isinstance(refused.value, CaNotReady)
    assert refused.value.message == (f"The HSM token telreg-shared already holds a key labelled {label}; telreg "
                                     "never replaces a CA key.")
    assert store.load(label).public_key() == first.public_key()


def test_an_unsupported_algorithm_is_refused_and_nothing_made(store: HsmKeyStore) -> None:
    label = _label()
    with pytest.raises(BadRequestData) as refused:
        store.generate(label, "rsa-1024")
    assert "rsa-1024" in refused.value.message and "ec-p256" in refused.value.message
    with pytest.raises(CaNotReady, match="holds no key labelled"):
        store.load(label)


def test_an_unknown_label(store: HsmKeyStore) -> None:
    with pytest.raises(CaNotReady) as refused:
        store.load("telreg-issuing-nowhere")
    assert refused.value.message == "The HSM token telreg-shared holds no key labelled telreg-issuing-nowhere."
    assert refused.value.code == "ca_not_ready"


def test_an_absent_library_or_a_file_that_is_not_one(softhsm: SoftHsm, tmp_path: Path) -> None:
    missing = tmp_path / "libnohsm.so"
    with pytest.raises(CaNotReady) as refused:
        HsmKeyStore(softhsm.settings(ecert_hsm_module=missing))
    assert refused.value.message == (f"The HSM's PKCS#11 library {missing} does not exist "
                                     "(TELREG_ECERT_HSM_MODULE).")
    not_a_library = tmp_path / "libfake.so"
    not_a_library.write_text("not a shared object\n", encoding="utf-8")
    with pytest.raises(CaNotReady) as refused:
        HsmKeyStore(softhsm.settings(ecert_hsm_module=not_a_library))
    assert refused.value.message.startswith(f"The HSM's PKCS#11 library {not_a_library} cannot be loaded: ")


def test_an_absent_token_names_the_tokens_present(softhsm: SoftHsm) -> None:
    with pytest.raises(CaNotReady) as refused:
        HsmKeyStore(softhsm.settings(token="telreg-ca-elsewhere"))
    assert refused.value.message.startswith("The HSM has no token labelled telreg-ca-elsewhere (tokens present: ")
    assert "telreg-shared" in refused.value.message


def test_a_wrong_pin_is_refused_before_and_after_a_good_login(softhsm: SoftHsm, tmp_path: Path) -> None:
    token = softhsm.take_token()
    wrong = tmp_path / "wrong.pin"
    wrong.write_text("000000\n", encoding="utf-8")
    expected = f"The HSM token {token} refused the PIN (TELREG_ECERT_HSM_PIN_FILE)."
    with pytest.raises(CaNotReady) as refused:
        HsmKeyStore(softhsm.settings(token=token, ecert_hsm_pin_file=wrong))
    assert refused.value.message == expected

    HsmKeyStore(softhsm.settings(token=token)).generate("telreg-root", "ec-p256")
    # Logged in now, the token itself would let any session in: the store compares the PIN it was given.
    with pytest.raises(CaNotReady) as refused:
        HsmKeyStore(softhsm.settings(token=token, ecert_hsm_pin_file=wrong))
    assert refused.value.message == expected


def test_the_pin_file_unset_missing_empty_or_exposed_in_production(softhsm: SoftHsm, tmp_path: Path) -> None:
    with pytest.raises(CaNotReady, match="set TELREG_ECERT_HSM_PIN_FILE"):
        HsmKeyStore(softhsm.settings(ecert_hsm_pin_file=None))
    with pytest.raises(CaNotReady) as refused:
        HsmKeyStore(softhsm.settings(ecert_hsm_pin_file=tmp_path / "nowhere.pin"))
    assert refused.value.message == f"The HSM PIN file {tmp_path / 'nowhere.pin'} cannot be read: No such file or directory"
    empty = tmp_path / "empty.pin"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(CaNotReady, match="is empty"):
        HsmKeyStore(softhsm.settings(ecert_hsm_pin_file=empty))

    exposed = tmp_path / "exposed.pin"
    exposed.write_text(softhsm.pin_file.read_text(encoding="utf-8"), encoding="utf-8")
    exposed.chmod(0o644)
    production = softhsm.settings(ecert_hsm_pin_file=exposed).model_copy(update={"env": Environment.production})
    with pytest.raises(SecretFileExposed, match="chmod 600"):
        HsmKeyStore(production)
    exposed.chmod(0o600)
    assert HsmKeyStore(production).token_label == "telreg-shared"  # private now: accepted


def test_no_hsm_configured(softhsm: SoftHsm) -> None:
    with pytest.raises(CaNotReady, match="No HSM is configured"):
        HsmKeyStore(softhsm.settings(ecert_hsm_module=None))


# ---- the DER helpers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("length", "octets"), [(0, "00"), (127, "7f"), (128, "8180"), (255, "81ff"),
                                                (256, "820100"), (65_536, "83010000")])
def test_der_length(length: int, octets: str) -> None:
    assert der_length(length).hex() == octets
    element = b"\x04" + der_length(length) + bytes(length)
    assert der_element(element, 0) == (0, 1 + len(octets) // 2, len(element))


def test_a_signed_structure_reassembles_byte_for_byte() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    name = _name("software")
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(NOW)
                   .not_valid_after(NOW + dt.timedelta(days=1)).sign(key, hashes.SHA384()))
    der = certificate.public_bytes(Encoding.DER)
    tbs = certificate.tbs_certificate_bytes
    assert der_sequence(tbs + signature_algorithm(der, tbs) + der_bit_string(certificate.signature)) == der
    crl = (x509.CertificateRevocationListBuilder().issuer_name(name).last_update(NOW)
           .next_update(NOW + dt.timedelta(days=1)).sign(key, hashes.SHA384()))
    crl_der = crl.public_bytes(Encoding.DER)
    assert der_sequence(crl.tbs_certlist_bytes + signature_algorithm(crl_der, crl.tbs_certlist_bytes)
                        + der_bit_string(crl.signature)) == crl_der

    with pytest.raises(ValueError, match="does not start with this TBS"):
        signature_algorithm(der, crl.tbs_certlist_bytes)
    with pytest.raises(ValueError, match="truncated"):
        der_element(der[:100], 0)


def test_a_signature_that_does_not_verify_never_leaves_the_module(store: HsmKeyStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    key = store.generate(_label(), "ec-p256")
    other = ec.generate_private_key(ec.SECP256R1())
    # A token answering with someone else's signature (a wrong key, a broken module) must not yield a certificate.
    monkeypatch.setattr(HsmKey, "sign_tbs", lambda self, tbs: other.sign(tbs, ec.ECDSA(hashes.SHA256())))
    with pytest.raises(CaNotReady) as refused:
        key.sign_certificate(_root_builder(key))
    assert refused.value.message == (f"The HSM key {key.label} made a signature its public key does not verify; "
                                     "nothing was signed.")
    with pytest.raises(CaNotReady, match="does not verify"):
        key.sign_crl(x509.CertificateRevocationListBuilder().issuer_name(_name("x")).last_update(NOW)
                     .next_update(NOW + dt.timedelta(days=1)))


# The failed search on the dead session is finalised by python-pkcs11 later, complaining to no one in particular.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_session_the_token_dropped_is_opened_again(softhsm: SoftHsm) -> None:
    from telreg.ecert import hsm

    token = softhsm.take_token()
    store = HsmKeyStore(softhsm.settings(token=token))
    key = store.generate("telreg-issuing", "rsa-2048")
    # As after an HSM restart: the session handle is gone (and with the last session, the login).
    hsm._connections[(str(softhsm.module), token)].session.close()
    root = key.sign_certificate(_root_builder(key))
    root.verify_directly_issued_by(root)


# ---- end to end: a CA whose root and issuing keys are in the token ---------------------------------------------

@pytest.fixture
def settings(settings: Settings, softhsm: SoftHsm) -> Settings:
    """The test runtime's settings with the CA keys in a token of their own (the labels are fixed)."""
    return softhsm.settings(settings, token=softhsm.take_token())


def test_a_ca_initialised_in_the_hsm_issues_certificates_openssl_verifies(runtime: Runtime, session: Session,
                                                                          tmp_path: Path) -> None:
    settings = runtime.settings
    made = init_hierarchy(settings, clock=runtime.clock, root_passphrase=None, session=session, actor="ceremony")
    session.commit()
    directory = ca_dir(settings)
    assert json.loads((directory / "hierarchy.json").read_text(encoding="utf-8"))["keys"] == "hsm"
    assert not list(directory.glob("telreg-root*")) and not list(directory.glob("telreg-issuing*"))
    store = HsmKeyStore(settings)
    assert store.load("telreg-root").public_key() == made.root.public_key()
    assert store.load("telreg-root").algorithm == "ec-p384"  # the root profile's default

    forget_hierarchy(settings)  # as a freshly started server or worker: the issuing key is found in the token
    loaded = load_hierarchy(settings)
    assert isinstance(loaded.issuing.key, HsmKey) and loaded.issuing.key.label == "telreg-issuing"
    subscriber = ec.generate_private_key(ec.SECP256R1())
    row, leaf = issue_certificate(
        session, runtime=runtime, hierarchy=loaded, profile="personal",
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CHAN Tai Man")]),
        public_key=subscriber.public_key(), subject_kind="person", actor="officer.lee")
    session.commit()
    assert row.state == "good"

    root_pem = _pem(tmp_path / "root.pem", loaded.root)
    issuing_pem = _pem(tmp_path / "issuing.pem", loaded.issuing.certificate)
    leaf_pem = _pem(tmp_path / "leaf.pem", leaf)
    at = str(int(runtime.clock.now().timestamp()) + 60)
    chain = _openssl("verify", "-x509_strict", "-attime", at, "-CAfile", root_pem, "-untrusted", issuing_pem,
                     leaf_pem)
    assert chain.returncode == 0 and chain.stdout.strip() == f"{leaf_pem}: OK", chain.stdout + chain.stderr
    root_crl = tmp_path / "root.crl"
    root_crl.write_bytes((directory / "root.crl").read_bytes())
    checked = _openssl("crl", "-inform", "DER", "-in", str(root_crl), "-CAfile", root_pem, "-noout", "-verify")
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr, checked.stderr
    # The DER assembled around the token's signatures is judged by an independent linter too.
    for certificate in (loaded.root, loaded.issuing.certificate, leaf):
        assert lint_certificate(certificate.public_bytes(Encoding.DER)) == [], certificate.subject
    assert lint_crl(root_crl.read_bytes()) == []


def test_a_ca_in_an_absent_hsm_is_not_ready_with_a_sentence(runtime: Runtime, session: Session,
                                                            tmp_path: Path) -> None:
    settings = runtime.settings
    init_hierarchy(settings, clock=runtime.clock, root_passphrase=None, session=session, actor="ceremony")
    session.commit()
    forget_hierarchy(settings)
    gone = settings.model_copy(update={"ecert_hsm_module": tmp_path / "unplugged" / "libpkcs11.so"})
    with pytest.raises(CaNotReady) as refused:
        load_hierarchy(gone)
    assert refused.value.message == (f"The HSM's PKCS#11 library {tmp_path / 'unplugged' / 'libpkcs11.so'} does "
                                     "not exist (TELREG_ECERT_HSM_MODULE).")
    with pytest.raises(CaNotReady, match="^The HSM has no token labelled telreg-moved"):
        load_hierarchy(settings.model_copy(update={"ecert_hsm_token_label": "telreg-moved"}))
