"""The ETSI TS 103 120 vocabulary telreg speaks: statuses, legal types, request types, identifier formats.

TS 103 120 leaves most values to "dictionaries" with an owner: ``ETSI`` for the standard's own, a national
profile owner for the rest. telreg's national profile owner is ``TELREG`` (documented in the README's lawful
access section). Where the standard has a word for a thing, that word is used verbatim.

Authorisation (AuthorisationStatus, ETSI)::

    AwaitingApproval --(a supervisor endorses an emergency / a warrant is filed)--> Active
    AwaitingApproval | Active --(the requester cancels)--> Cancelled
    AwaitingApproval --(the supervisor refuses to endorse)--> Rejected
    Active --(an emergency not backed by a warrant in time)--> Invalid
    Active --(timespan over)--> Expired

LDTask (LDTaskStatus, ETSI)::

    AwaitingApproval --(compliance officer approves)--> AwaitingDisclosure --(second officer releases)--> Disclosed
    AwaitingApproval --(rejects, with a reason)--> Rejected
    AwaitingApproval --(the target matches nothing, or more than one holder)--> DisclosureNotAvailable
    AwaitingDisclosure --(approval expired)--> AwaitingApproval
    any open --(the requester cancels)--> Cancelled
    Disclosed --(an emergency not backed in time: release revoked, result destroyed)--> Invalid

What the requester sees (``requester_task_status``): ``Rejected`` and ``DisclosureNotAvailable`` are both shown
as ``DisclosureNotAvailable`` — "no records" must not tell an agency that an operator refused (the request's
existence and a refusal are facts about the target). The regulator and the operator see the truth.
"""

from __future__ import annotations

from typing import Final

ETSI: Final = "ETSI"
PROFILE_OWNER: Final = "TELREG"  # the national profile's dictionary owner
ETSI_VERSION: Final = "V1.18.1"  # the TS 103 120 version whose element names telreg uses
PROFILE_VERSION: Final = "2026.1"

# AuthorisationStatus
AWAITING_APPROVAL: Final = "AwaitingApproval"
ACTIVE: Final = "Active"
REJECTED: Final = "Rejected"
CANCELLED: Final = "Cancelled"
INVALID: Final = "Invalid"
EXPIRED: Final = "Expired"
AUTHORISATION_STATUSES: Final = (AWAITING_APPROVAL, ACTIVE, REJECTED, CANCELLED, INVALID, EXPIRED)
# AuthorisationDesiredStatus: the only statuses a requester may ask for
SUBMITTED_FOR_APPROVAL: Final = "SubmittedForApproval"
AUTHORISATION_DESIRED: Final = (SUBMITTED_FOR_APPROVAL, CANCELLED)

# LDTaskStatus
AWAITING_DISCLOSURE: Final = "AwaitingDisclosure"
DISCLOSED: Final = "Disclosed"
DISCLOSURE_NOT_AVAILABLE: Final = "DisclosureNotAvailable"
TASK_STATUSES: Final = (AWAITING_APPROVAL, AWAITING_DISCLOSURE, DISCLOSED, DISCLOSURE_NOT_AVAILABLE, REJECTED,
                        CANCELLED, INVALID)
OPEN_TASK_STATUSES: Final = (AWAITING_APPROVAL, AWAITING_DISCLOSURE)
# LDTaskDesiredStatus
TASK_DESIRED: Final = (AWAITING_DISCLOSURE, CANCELLED)

# AuthorisationLegalType (national profile)
WARRANT: Final = "Warrant"  # a magistrate's / court's warrant (seed 000 Q6)
EMERGENCY: Final = "Emergency"  # urgent or emergency situations, without a warrant (seed 000 Q6)
LEGAL_TYPES: Final = (WARRANT, EMERGENCY)

# LDRequestType: ETSI's SubscriberData; the national profile adds the registration history
SUBSCRIBER_DATA: Final = "SubscriberData"
REGISTRATION_HISTORY: Final = "RegistrationHistory"
REQUEST_TYPES: Final = (SUBSCRIBER_DATA, REGISTRATION_HISTORY)
REQUEST_TYPE_OWNERS: Final = {SUBSCRIBER_DATA: ETSI, REGISTRATION_HISTORY: PROFILE_OWNER}

# Target identifier FormatType (FormatOwner, FormatName)
INTERNATIONAL_E164: Final = "InternationalE164"  # MSISDN, e.g. 85291234567 (ETSI TS 103 280)
ICCID: Final = "ICCID"  # the SIM card (ETSI TS 103 280)
IDENTITY_DOCUMENT: Final = "IdentityDocument"  # national profile: "<doc type>:<number>", e.g. hkid:A1234563
TARGET_FORMATS: Final = (INTERNATIONAL_E164, ICCID, IDENTITY_DOCUMENT)
TARGET_FORMAT_OWNERS: Final = {INTERNATIONAL_E164: ETSI, ICCID: ETSI, IDENTITY_DOCUMENT: PROFILE_OWNER}

# DocumentType
WARRANT_DOCUMENT: Final = "Warrant"
DOCUMENT_TYPES: Final = (WARRANT_DOCUMENT,)

# Actions of a RequestPayload, and the ErrorCodes telreg answers with (TS 103 120 clause on errors)
ACTIONS: Final = ("GET", "CREATE", "UPDATE", "LIST")
ERROR_GENERIC: Final = "1000"
ERROR_NOT_FOUND: Final = "3000"  # the object does not exist (or is not the sender's to see)
ERROR_NOT_PERMITTED: Final = "4000"  # the sender may not do this (set a status, approve its own request…)
ERROR_INVALID: Final = "5000"  # the object is malformed or breaks a rule


def requester_task_status(status: str) -> str:
    """The LDTask status shown to the requesting agency: a refusal looks exactly like "no records"."""
    return DISCLOSURE_NOT_AVAILABLE if status == REJECTED else status
