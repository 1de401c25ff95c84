"""Hypothesis strategies for valid policy dictionaries, drawn from the rules the model is meant to enforce."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

PERSON_CODES = [
    "hkid", "cn-resident-id", "cn-temporary-resident-id", "cn-household-register", "cn-military-id",
    "cn-armed-police-id", "mtp-hk-macao", "mtp-taiwan", "passport", "passport-mrz",
]
ORGANISATION_CODES = ["cn-orgcode", "cn-uscc", "hk-br"]
ESCALATION = ["outgoing_barred", "suspended", "deactivated"]
LINES = ["mobile", "fixed", "data-only"]

_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
_days = st.integers(min_value=0, max_value=10_000)


@st.composite
def lifecycle_steps(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = [name for name in ESCALATION if draw(st.booleans())]
    # Reminders may fall anywhere before deactivation.
    last_slot = len(names) - 1 if names[-1:] == ["deactivated"] else len(names)
    for _ in range(draw(st.integers(0, 3))):
        names.insert(draw(st.integers(0, last_slot)), "reminder")
        last_slot += 1
    names = names or ["reminder"]
    days = sorted(draw(st.sets(_days, min_size=len(names), max_size=len(names))))
    return [{"name": n, "after_days": d, "notify": draw(st.booleans())} for n, d in zip(names, days)]


_quota = st.fixed_dictionaries({
    "holder_kind": st.sampled_from(["person", "organisation"]),
    "service": st.sampled_from(["prepaid", "postpaid", "any"]),
    "lines": st.lists(st.sampled_from(LINES), min_size=1, max_size=3, unique=True),
    "limit": st.integers(0, 1000),
    "scope": st.just("operator"),
})

policies = st.fixed_dictionaries({
    "name": _text,
    "version": st.from_regex(r"[0-9]{4}\.[0-9]{1,3}", fullmatch=True),
    "jurisdiction": _text,
    "language": st.sampled_from(["zh-Hant", "zh-Hans"]),
    "minor_age": st.integers(0, 150),
    "documents": st.fixed_dictionaries({
        "person": st.lists(st.sampled_from(PERSON_CODES), min_size=1, max_size=5),
        "organisation": st.lists(st.sampled_from(ORGANISATION_CODES), min_size=1, max_size=3),
        "manual_entry_forbidden": st.lists(st.sampled_from(PERSON_CODES + ORGANISATION_CODES), max_size=3),
        "required_fields": st.dictionaries(st.sampled_from(PERSON_CODES + ORGANISATION_CODES),
                                           st.just(["address"]), max_size=3),
    }),
    "capture_methods": st.lists(st.sampled_from(["card_reader", "mrz_scan", "online_verification", "manual"]),
                                min_size=1, max_size=4, unique=True),
    "quotas": st.lists(_quota, max_size=6, unique_by=lambda q: (q["holder_kind"], q["service"])),
    "organisation_requires_handler": st.booleans(),
    "organisation_requires_authorisation_letter": st.booleans(),
    "agent_allowed": st.booleans(),
    "agent_requires_authorisation_letter": st.booleans(),
    "termination_working_days": st.integers(0, 30),
    "lifecycle": st.fixed_dictionaries({
        "steps": lifecycle_steps(),
        "services": st.lists(st.sampled_from(["prepaid", "postpaid"]), min_size=1, max_size=2, unique=True),
        "quarantine_days": _days,
        "legacy_deadline_days": _days,
    }),
    "real_name_target_percent": st.floats(0, 100, allow_nan=False),
    "one_identity_lookup": st.booleans(),
    "lookup": st.fixed_dictionaries({
        key: st.integers(1, 10_000) for key in ("code_minutes", "max_attempts", "window_minutes",
                                                "codes_per_number", "codes_per_document", "access_minutes")
    }),
    "lawful_access": st.fixed_dictionaries({
        key: st.integers(1, 10_000) for key in ("emergency_backing_hours", "approval_valid_hours",
                                                "result_valid_hours")
    }),
    "retention": st.fixed_dictionaries({"personal_data_days": _days}),
    "consent_purposes": st.lists(st.sampled_from(["value-added-marketing", "research", "partner-offers"]),
                                 max_size=3, unique=True),
})
