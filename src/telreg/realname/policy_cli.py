"""`telreg realname policy show`: print the real-name policy this deployment runs under."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.config import get_settings
from telreg.core.cli_support import print_json, runtime, session_scope
from telreg.realname import quotas
from telreg.realname.policy import Policy, get_policy
from telreg.realname.policy.model import LINES

policy_app = typer.Typer(no_args_is_help=True, help="The real-name registration policy in force")


def register(app: typer.Typer) -> None:
    """Add `policy` to the `telreg realname` sub-app."""
    app.add_typer(policy_app, name="policy")


@policy_app.command("show")
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole policy as JSON")] = False,
) -> None:
    """Print the active policy (TELREG_REALNAME_POLICY)."""
    settings = get_settings()
    policy = get_policy(settings)
    from telreg.realname.policy.overrides_cli import policy_in_force  # issue 16: approved changes in force

    policy, changed = policy_in_force(policy)
    if as_json:
        print_json({"source": settings.realname_policy, **policy.model_dump(mode="json")})
        return
    for line in [*describe(policy=policy, source=settings.realname_policy), *changed]:
        typer.echo(line)


@policy_app.command("recount-quotas")
def recount_quotas() -> None:
    """Rebuild the quota counters from the current registrations under the active policy.

    Run it once after changing TELREG_REALNAME_POLICY or a policy file's quotas: counters are kept per quota,
    and a quota of another shape (e.g. "any" split into prepaid and postpaid) starts from the truth only then.
    """
    rt = runtime()
    with session_scope(rt) as session:
        print_json(quotas.recount(session, clock=rt.clock, policy=get_policy(rt.settings), actor="cli"))


def describe(*, policy: Policy, source: str) -> list[str]:
    """Return the policy as lines a person reads at a terminal."""
    docs = policy.documents
    lines = [
        f"policy {policy.name} {policy.version} ({policy.jurisdiction}; pages: English, {policy.language})",
        f"  from: {source}",
        f"  minors: under {policy.minor_age} need an adult's confirmation",
        f"  person documents: {', '.join(docs.person)}",
        f"  organisation documents: {', '.join(docs.organisation)}",
        f"  never typed by hand: {', '.join(docs.manual_entry_forbidden) or '(none)'}",
        *(f"  {doc_type} also needs: {', '.join(fields)}"
          for doc_type, fields in docs.required_fields.items()),
        f"  capture: {', '.join(policy.capture_methods)}",
        (f"  organisations: handler {_yes(policy.organisation_requires_handler)}, "
         f"authorisation letter {_yes(policy.organisation_requires_authorisation_letter)}"),
        (f"  agents allowed: {_yes(policy.agent_allowed)}, holder's authorisation letter "
         f"{_yes(policy.agent_requires_authorisation_letter)}"),
        "  quotas:" if policy.quotas else "  quotas: (none)",
    ]
    lines += [f"    {q.holder_kind} {q.service}{_lines(q.lines)}: {q.limit} per {q.scope}"
              for q in policy.quotas]
    cycle = policy.lifecycle
    lines.append(f"  legacy {' and '.join(cycle.services)} numbers: {cycle.legacy_deadline_days} days to "
                 "register, then")
    for step in cycle.steps:
        notified = " (holder notified)" if step.notify else ""
        lines.append(f"    day {step.after_days}: {step.name}{notified}")
    lines += [
        *([f"  legacy {', '.join(kept)} numbers: registered by contract"]
          if (kept := [s for s in ("prepaid", "postpaid") if s not in cycle.services]) else []),
        f"  quarantine before reassignment: {cycle.quarantine_days} days",
        f"  termination on request: within {policy.termination_working_days} working day(s)",
        f"  real-name target: {policy.real_name_target_percent:g}%",
        f"  one-identity lookup: {_yes(policy.one_identity_lookup)}",
    ]
    if policy.one_identity_lookup:
        given = policy.lookup
        lines.append(f"    codes valid {given.code_minutes} min, {given.max_attempts} tries; at most "
                     f"{given.codes_per_number} per number and {given.codes_per_document} per document in "
                     f"{given.window_minutes} min; a proved lookup stays open {given.access_minutes} min")
    return lines


def _lines(lines: list[str]) -> str:
    return "" if set(lines) == set(LINES) else f" ({', '.join(lines)} lines)"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


from telreg.realname.policy import overrides_cli as _overrides_cli  # issue 16: `policy set`, `overrides`

_overrides_cli.register(policy_app)
