"""The shape of a set of certificate profiles (Pydantic, ``extra="forbid"``: an unknown key is a mistake).

A profile says what the issuing CA (or the root) writes into one kind of certificate: the key algorithms a
subject may bring, the one the CA generates by default, the validity, the key usages and extended key usages, the
basic constraints, the certificate policies, which CRL and whether the OCSP and caIssuers URLs go in (the URLs
themselves are built from TELREG_ECERT_PUBLIC_URL at issuance, so one profile file serves every deployment), the
subject alternative names allowed or required, and the subject attributes required.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

KeyAlgorithm = Literal["ec-p256", "ec-p384", "rsa-2048", "rsa-3072"]
KeyUsageName = Literal["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                       "keyAgreement", "keyCertSign", "cRLSign"]
EkuName = Literal["serverAuth", "clientAuth", "emailProtection", "codeSigning", "OCSPSigning", "timeStamping",
                  "documentSigning"]
SanType = Literal["dns", "ip", "email"]
SubjectAttribute = Literal["commonName", "organizationName", "organizationIdentifier", "countryName",
                           "serialNumber", "emailAddress"]
SubjectKind = Literal["person", "organisation", "server", "platform"]

# The names profiles (and the code) rely on: the hierarchy is built from the first four.
REQUIRED_PROFILES = ("root-ca", "issuing-ca", "ocsp-signing", "document-signing")
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,31}$")  # ecert_certificates.profile is String(32)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Authority(_Frozen):
    """Names of the CA itself, used in the subjects of the platform's own certificates."""

    organization: str = Field(min_length=1, max_length=64)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class Profile(_Frozen):
    description: str = Field(min_length=1)
    subject_kind: SubjectKind
    issuer: Literal["self", "root", "issuing"] = "issuing"
    ca: bool = False
    path_length: int | None = Field(None, ge=0, le=3)
    key_algorithms: list[KeyAlgorithm] = Field(min_length=1)
    default_algorithm: KeyAlgorithm
    validity_days: int = Field(ge=1, le=9132)  # at most 25 years, a root's
    key_usage: list[KeyUsageName] = Field(min_length=1)
    extended_key_usage: list[EkuName] = []
    policies: list[str] = []
    crl: Literal["root", "issuing", "none"] = "issuing"
    ocsp_url: bool = True  # id-ad-ocsp in the AIA
    ca_issuers_url: bool = True  # id-ad-caIssuers in the AIA
    ocsp_nocheck: bool = False  # id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): only for an OCSP responder
    san: Literal["none", "optional", "required"] = "none"
    san_types: list[SanType] = []
    subject_required: list[SubjectAttribute] = []
    common_name: str | None = Field(None, min_length=1, max_length=64)  # the platform's own certificates
    crl_validity_days: int | None = Field(None, ge=1, le=400)  # a CA whose CRLs an operator signs offline

    @field_validator("policies")
    @classmethod
    def _oids(cls, value: list[str]) -> list[str]:
        for oid in value:
            if not _OID.match(oid):
                raise ValueError(f"{oid!r} is not a dotted object identifier")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        problems = []
        if self.default_algorithm not in self.key_algorithms:
            problems.append(f"default_algorithm {self.default_algorithm!r} is not among key_algorithms")
        if self.ca != ("keyCertSign" in self.key_usage):
            problems.append("a CA profile (ca = true) needs keyCertSign in key_usage, and only a CA may have it")
        if not self.ca and self.path_length is not None:
            problems.append("path_length is only for CA profiles")
        if not self.ca and not self.extended_key_usage:
            problems.append("an end-entity profile needs extended_key_usage")
        if self.ca and self.extended_key_usage:
            problems.append("CA profiles carry no extended_key_usage here")
        if any(a.startswith("ec-") for a in self.key_algorithms) and {"keyEncipherment", "dataEncipherment"} & set(
                self.key_usage):
            problems.append("keyEncipherment and dataEncipherment need RSA keys: this profile allows EC keys")
        if (self.issuer == "self") != (self.crl == "none" and self.ca):
            problems.append("only the self-signed root has no CRL distribution point, and it must be a CA")
        if self.ocsp_nocheck and "OCSPSigning" not in self.extended_key_usage:
            problems.append("ocsp_nocheck is only for a profile with OCSPSigning")
        if self.san == "none" and self.san_types:
            problems.append("san_types given but san = 'none'")
        if self.san != "none" and not self.san_types:
            problems.append("san_types needed when SANs are allowed")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Profiles(_Frozen):
    """A deployment's set of profiles (``[profiles.<name>]`` tables)."""

    version: str = Field(min_length=1)
    authority: Authority
    profiles: dict[str, Profile]

    @model_validator(mode="after")
    def _names(self) -> Profiles:
        bad = [name for name in self.profiles if not _NAME.match(name)]
        if bad:
            raise ValueError(f"profile names are 2–32 lower-case letters, digits and '-': not {', '.join(bad)}")
        missing = [name for name in REQUIRED_PROFILES if name not in self.profiles]
        if missing:
            raise ValueError(f"the CA hierarchy needs the profiles {', '.join(missing)}")
        if self.profiles["root-ca"].issuer != "self" or self.profiles["issuing-ca"].issuer != "root":
            raise ValueError("root-ca must be self-signed (issuer = 'self') and issuing-ca signed by the root")
        return self

    def get(self, name: str) -> Profile | None:
        return self.profiles.get(name)
