"""CSR checks: refused with a plain sentence, before anything is recorded; accepted in PEM and DER."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.ecert import applications, requests
from telreg.ecert.errors import BadRequestData
from telreg.ecert.models import Application
from telreg.runtime import Runtime
from tests.ecert.helpers import make_key
from tests.ecert.identity_helpers import csr_pem, registered_person

PERSONAL = ("ec-p256", "ec-p384", "rsa-2048", "rsa-3072")


def test_a_pem_or_der_csr_with_proof_of_possession_is_read() -> None:
    pem, key = csr_pem()
    from_pem = requests.parse_csr(pem)
    from_der = requests.parse_csr(from_pem.public_bytes(Encoding.DER))
    assert from_pem.public_key() == from_der.public_key() == key.public_key()
    assert requests.check_key(from_pem.public_key(), allowed=PERSONAL, profile="personal") == "ec-p256"
    assert requests.parse_csr(pem.decode("ascii")).public_key() == key.public_key()  # text, as JSON gives it


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "empty"),
    (b"-----BEGIN CERTIFICATE REQUEST-----\nnot base64 at all\n-----END CERTIFICATE REQUEST-----\n",
     "cannot be read"),
    (b"\x30\x82\x01\x00garbage that is not DER", "cannot be read"),
    (b"\x30" * (requests.MAX_CSR_BYTES + 1), "at most 16384"),
])
def test_malformed_or_oversized_requests_are_refused_plainly(data: bytes, expected: str) -> None:
    with pytest.raises(BadRequestData, match=expected) as refused:
        requests.parse_csr(data)
    assert "asn1" not in str(refused.value).lower()  # the library's words are not passed on


def test_a_csr_whose_signature_does_not_verify_proves_nothing() -> None:
    pem, _ = csr_pem(signer=True)
    with pytest.raises(BadRequestData, match="does not prove possession"):
        requests.parse_csr(pem)


def test_rsa_1024_and_unsupported_curves_are_refused_by_the_profile() -> None:
    weak = requests.parse_csr(csr_pem(rsa_bits=1024)[0])
    with pytest.raises(BadRequestData, match="RSA key of 1024 bits"):
        requests.check_key(weak.public_key(), allowed=PERSONAL, profile="personal")
    for curve in (ec.SECP521R1(), ec.SECP256K1()):
        odd = requests.parse_csr(csr_pem(curve=curve)[0])
        with pytest.raises(BadRequestData, match=f"curve {curve.name} is not supported"):
            requests.check_key(odd.public_key(), allowed=PERSONAL, profile="personal")
    p256 = requests.parse_csr(csr_pem()[0])
    with pytest.raises(BadRequestData, match="smart-id"):
        requests.check_key(p256.public_key(), allowed=("rsa-2048",), profile="smart-id")


def test_a_csr_naming_someone_else_is_refused_and_its_own_name_is_fine() -> None:
    other = requests.parse_csr(csr_pem(name="WONG Siu Ming")[0])
    with pytest.raises(BadRequestData, match="names that do not match the identity"):
        requests.check_names(other, names=["CHAN Tai Man"])
    requests.check_names(requests.parse_csr(csr_pem(name="Chan Tai-man")[0]), names=["CHAN Tai Man"])
    requests.check_names(requests.parse_csr(csr_pem()[0]), names=["CHAN Tai Man"])  # empty subject


@pytest.mark.parametrize("case", ["signature", "rsa-1024", "curve", "name", "der", "oversized", "missing"])
def test_a_refused_csr_records_no_application(runtime: Runtime, case: str) -> None:
    chan = registered_person(runtime)
    csr: bytes | None
    if case == "signature":
        csr, message = csr_pem(signer=True)[0], "possession"
    elif case == "rsa-1024":
        csr, message = csr_pem(rsa_bits=1024)[0], "1024 bits"
    elif case == "curve":
        csr, message = csr_pem(curve=ec.SECP521R1())[0], "secp521r1"
    elif case == "name":
        csr, message = csr_pem(name="WONG Siu Ming")[0], "do not match"
    elif case == "der":
        csr, message = b"\x30\x03\x02\x01\x00", "cannot be read"
    elif case == "oversized":
        csr, message = b"-----BEGIN" + b"A" * (requests.MAX_CSR_BYTES + 10), "at most"
    else:
        csr, message = None, "certificate request"
    with pytest.raises(BadRequestData, match=message), unit_of_work(runtime.session_factory) as session:
        applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                            profile="personal", document=chan, key_origin="csr", csr=csr, actor="officer:ca.lam")
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 0


def test_the_smart_id_profile_takes_rsa_2048_only(runtime: Runtime) -> None:
    chan = registered_person(runtime)
    rsa_csr, _ = csr_pem(key=make_key("rsa-2048"))
    with unit_of_work(runtime.session_factory) as session:
        with pytest.raises(BadRequestData, match="smart-id"):
            applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                                profile="smart-id", document=chan, key_origin="csr", csr=csr_pem()[0],
                                actor="officer:ca.lam")
        row = applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                                  profile="smart-id", document=chan, key_origin="csr", csr=rsa_csr,
                                  actor="officer:ca.lam")
        assert row.profile == "smart-id" and row.csr_pem and row.csr_pem.startswith("-----BEGIN CERTIFICATE REQ")

