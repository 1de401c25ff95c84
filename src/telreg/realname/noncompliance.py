"""Find current registrations of the four non-compliant kinds of seed 003, counted per operator.

The seed's operators listed them as 非实名 records that must be registered again:

- ``placeholder_name`` — 机主姓名为"临时账户" / "某某代办": the holder's name matches one of the configured
  patterns (TELREG_REALNAME_PLACEHOLDER_NAMES: regular expressions, case-insensitive, on the NFKC name; by
  default test/dummy/temp words, XXX, 临时, 测试, 代办, 无名, and names of one character or none).
- ``incomplete_data`` — 登记信息不完整: a person without a date of birth; a holder without a detail the policy
  requires with their document type (``documents.required_fields``: the address on a mainland resident ID
  card, MIIT Order 25 art. 9 — registration refuses such requests now; records from before the rule remain);
  an organisation without its handler or authorisation letter when the policy requires them.
- ``holder_user_mismatch`` — 机主姓名与实际使用者信息不匹配. The registry cannot see who uses a number, so two
  signs that the holder is not the user are reported: the holder was under the policy's minor age when
  registered and no guardian is recorded; or the number was registered through an agent who registered numbers
  for more than TELREG_REALNAME_AGENT_HOLDER_THRESHOLD different holders (a dealer registering with collected
  identity cards, as the seed describes 代理商).
- ``group_cards`` — 集团卡, a company's cards in a person's name: a person holding more than
  TELREG_REALNAME_GROUP_CARD_THRESHOLD numbers across all operators.

Names and dates of birth are sealed: they are opened here, in batches, and never leave this module in clear —
a finding's detail shows the name masked.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, aliased

from telreg.config import Settings
from telreg.core.clock import HK
from telreg.core.exports import csv_writer
from telreg.core.masking import mask_name
from telreg.core.vault import Vault
from telreg.realname.identities import SEALED_FIELDS
from telreg.realname.models import Identity, Number, Operator, Registration
from telreg.realname.policy import Policy

__all__ = ["KINDS", "Finding", "count_by_operator", "find", "findings_csv", "placeholder_patterns"]

KINDS = ("placeholder_name", "incomplete_data", "holder_user_mismatch", "group_cards")
_BATCH = 1_000


@dataclass(frozen=True)
class Finding:
    operator: str
    number: str
    kind: str
    detail: str  # no personal data in clear


def placeholder_patterns(settings: Settings) -> list[re.Pattern[str]]:
    """Compile the configured placeholder-name patterns (case-insensitive)."""
    return [re.compile(pattern, re.IGNORECASE) for pattern in settings.realname_placeholder_names]


def find(session: Session, *, vault: Vault, policy: Policy, settings: Settings) -> list[Finding]:
    """Return every finding among current registrations, by operator and number."""
    patterns = placeholder_patterns(settings)
    busy_agents = _counts_over(session, Registration.agent_id, distinct(Registration.holder_id),
                               settings.realname_agent_holder_threshold)
    group_holders = _counts_over(session, Registration.holder_id, Registration.id,
                                 settings.realname_group_card_threshold, persons_only=True)
    findings: list[Finding] = []
    after = 0
    while True:
        batch = _batch(session, after=after)
        if not batch:
            break
        after = batch[-1].registration_id
        opened: dict[int, tuple[str, dt.date | None]] = {}
        for row in batch:
            if row.holder_id not in opened:
                opened[row.holder_id] = _open(vault, row)
            name, born = opened[row.holder_id]
            for kind, detail in _check(row, name=name, born=born, policy=policy, patterns=patterns,
                                       busy_agents=busy_agents, group_holders=group_holders):
                findings.append(Finding(row.operator, row.number, kind, detail))
    return sorted(findings, key=lambda f: (f.operator, f.number, KINDS.index(f.kind)))


def count_by_operator(findings: list[Finding], *, operators: list[str]) -> dict[str, dict[str, int]]:
    """Count the numbers with each kind of finding, per operator (every operator and kind present)."""
    counts = {code: dict.fromkeys(KINDS, 0) for code in operators}
    for finding in findings:
        counts.setdefault(finding.operator, dict.fromkeys(KINDS, 0))[finding.kind] += 1
    return counts


def findings_csv(findings: list[Finding]) -> str:
    """Render findings as CSV: operator, number, kind, detail."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # formula-safe cells (core/exports.py)
    writer.writerow(("operator", "number", "kind", "detail"))
    writer.writerows((f.operator, f.number, f.kind, f.detail) for f in findings)
    return out.getvalue()


def _check(row: Any, *, name: str, born: dt.date | None, policy: Policy, patterns: list[re.Pattern[str]],
           busy_agents: dict[int, int], group_holders: dict[int, int]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    normalised = unicodedata.normalize("NFKC", name).strip()
    if any(pattern.search(normalised) for pattern in patterns):
        found.append(("placeholder_name", f"the holder's name looks like a placeholder ({mask_name(name)})"))
    missing = _missing(row, policy=policy)
    if missing:
        found.append(("incomplete_data", "missing: " + ", ".join(missing)))
    registered_on = row.registered_at.astimezone(HK).date()
    if born is not None and row.guardian_id is None and policy.is_minor(dob=born, on=registered_on):
        found.append(("holder_user_mismatch",
                      f"the holder was under {policy.minor_age} when registered and no guardian is recorded"))
    if row.agent_id is not None and row.agent_id in busy_agents:
        found.append(("holder_user_mismatch", f"registered through an agent who registered numbers for "
                                              f"{busy_agents[row.agent_id]} different holders"))
    if row.holder_id in group_holders:
        found.append(("group_cards", f"the holder, a person, holds {group_holders[row.holder_id]} numbers "
                                     "across operators"))
    return _one_per_kind(found)


def _missing(row: Any, *, policy: Policy) -> list[str]:
    missing = []
    if "address" in policy.documents.required_for(row.doc_type) and row.address_sealed is None:
        missing.append("address")
    if row.kind == "person":
        if row.dob_sealed is None:
            missing.append("date of birth")
    else:
        if policy.organisation_requires_handler and row.handler_id is None:
            missing.append("handler")
        if policy.organisation_requires_authorisation_letter and row.letter_sealed is None:
            missing.append("authorisation letter")
    return missing


def _one_per_kind(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: dict[str, list[str]] = defaultdict(list)
    for kind, detail in found:
        merged[kind].append(detail)
    return [(kind, "; ".join(details)) for kind, details in merged.items()]


def _counts_over(session: Session, key: Any, counted: Any, threshold: int, *,
                 persons_only: bool = False) -> dict[int, int]:
    """Return key -> count for current registrations whose count exceeds the threshold (one GROUP BY)."""
    stmt = select(key, func.count(counted)).where(Registration.ended_at.is_(None), key.is_not(None))
    if persons_only:
        stmt = stmt.join(Identity, Identity.id == Registration.holder_id).where(Identity.kind == "person")
    stmt = stmt.group_by(key).having(func.count(counted) > threshold)
    return {owner: count for owner, count in session.execute(stmt)}


def _batch(session: Session, *, after: int) -> list[Any]:
    holder = aliased(Identity)
    stmt = (
        select(Registration.id.label("registration_id"), Registration.holder_id, Registration.guardian_id,
               Registration.agent_id, Registration.handler_id, Registration.registered_at,
               Registration.authorisation_letter_sealed.label("letter_sealed"), Number.number,
               Operator.code.label("operator"), holder.kind, holder.doc_type, holder.name_sealed,
               holder.date_of_birth_sealed.label("dob_sealed"), holder.address_sealed)
        .join(Number, Number.id == Registration.number_id)
        .join(Operator, Operator.id == Registration.operator_id)
        .join(holder, holder.id == Registration.holder_id)
        .where(Registration.ended_at.is_(None), Registration.id > after)
        .order_by(Registration.id).limit(_BATCH)
    )
    return list(session.execute(stmt).all())


def _open(vault: Vault, row: Any) -> tuple[str, dt.date | None]:
    name = vault.open(SEALED_FIELDS["name"], row.name_sealed)
    born = (dt.date.fromisoformat(vault.open(SEALED_FIELDS["date_of_birth"], row.dob_sealed))
            if row.dob_sealed else None)
    return name, born
