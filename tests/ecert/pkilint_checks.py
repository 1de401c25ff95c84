"""pkilint, an independent RFC 5280 / RFC 6960 linter, over our certificates, CRLs and OCSP responses.

Each function returns the findings of severity ERROR or worse (FATAL) as ``"<node path>: <code> (<message>)"``
strings: an empty list is clean. Warnings and notices (e.g. "SHOULD" advice) are not returned; read them with
``findings(der, kind, threshold=ValidationFindingSeverity.NOTICE)`` when judging a profile.

The validator containers are built as pkilint's own command-line tools build them (pkilint/bin/lint_pkix_cert.py,
lint_crl.py, lint_ocsp_response.py), once per process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pkilint import loader, pkix
from pkilint.pkix import certificate, crl, extension, name, ocsp
from pkilint.validation import ValidationFindingSeverity

__all__ = ["findings", "lint_certificate", "lint_crl", "lint_ocsp_response"]


def lint_certificate(der: bytes) -> list[str]:
    """RFC 5280 findings (ERROR or worse) about a DER certificate."""
    return findings(der, "certificate")


def lint_crl(der: bytes) -> list[str]:
    """RFC 5280 findings (ERROR or worse) about a DER CRL."""
    return findings(der, "crl")


def lint_ocsp_response(der: bytes) -> list[str]:
    """RFC 6960 findings (ERROR or worse) about a DER OCSP response."""
    return findings(der, "ocsp")


def findings(der: bytes, kind: str, *, threshold: ValidationFindingSeverity = ValidationFindingSeverity.ERROR
             ) -> list[str]:
    load = {"certificate": loader.load_der_certificate, "crl": loader.load_der_crl,
            "ocsp": loader.load_der_ocsp_response}[kind]
    document = load(der, f"telreg-{kind}")
    found = []
    for result in _validator(kind).validate(document.root):
        for description in result.finding_descriptions:
            if description.finding.severity <= threshold:
                message = f" ({description.message})" if description.message else ""
                found.append(f"{result.node.path}: {description.finding.code}{message}")
    return found


@cache
def _validator(kind: str) -> Any:
    if kind == "certificate":
        return certificate.create_pkix_certificate_validator_container(
            certificate.create_decoding_validators(name.ATTRIBUTE_TYPE_MAPPINGS, extension.EXTENSION_MAPPINGS),
            [
                certificate.create_issuer_validator_container([]),
                certificate.create_validity_validator_container(),
                certificate.create_subject_validator_container([]),
                certificate.create_extensions_validator_container([]),
                certificate.create_spki_validator_container([]),
            ],
        )
    if kind == "crl":
        return crl.create_pkix_crl_validator_container(
            [
                pkix.create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
                pkix.create_extension_decoder(extension.EXTENSION_MAPPINGS),
            ],
            [
                crl.create_issuer_validator_container([]),
                crl.create_validity_validator_container([]),
                crl.create_extensions_validator_container([]),
            ],
        )
    return ocsp.create_pkix_ocsp_response_validator_container(
        [
            ocsp.create_response_decoder(),
            pkix.create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
            pkix.create_extension_decoder(extension.EXTENSION_MAPPINGS),
        ],
        [],
    )
