"""Load a policy from a shipped name or a TOML file, refusing it with the file and line of each mistake."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.core.toml_data import load_model, read_source
from telreg.realname.errors import PolicyError
from telreg.realname.policy.model import Policy

SHIPPED_POLICIES = ("hong-kong", "mainland-china")
# Our own checks whose message says it all: repeating the offending value would only add noise.
_INPUT_HIDDEN_FOR = ("steps_out_of_order", "duplicate_quota", "unknown_document", "version_shape", "wrong_holder")


def load_policy(name_or_path: str) -> Policy:
    """Return the policy shipped under this name (hong-kong, mainland-china) or read from a .toml path."""
    source, text = _read(name_or_path)
    return load_model(Policy, source=source, text=text, not_toml=_not_toml, invalid=_invalid,
                      input_hidden_for=_INPUT_HIDDEN_FOR)


def _not_toml(source: str, detail: str) -> PolicyError:  # tomllib's message already carries line and column
    return PolicyError(N_("The real-name policy %(source)s is not valid TOML: %(detail)s."), source=source,
                       detail=detail)


def _invalid(source: str, problems: list[dict[str, Any]], listing: str) -> PolicyError:
    return PolicyError(N_("The real-name policy %(source)s is not valid:\n%(listing)s"), source=source,
                       problems=problems, listing=listing)


def get_policy(settings: Settings) -> Policy:
    """Return the deployment's policy (TELREG_REALNAME_POLICY), read once per process."""
    return _cached(settings.realname_policy)


@lru_cache(maxsize=8)
def _cached(name_or_path: str) -> Policy:
    return load_policy(name_or_path)


def _read(name_or_path: str) -> tuple[str, str]:
    return read_source(
        name_or_path, package="telreg.realname.policy", shipped=SHIPPED_POLICIES,
        unknown=lambda given: PolicyError(
            N_("There is no real-name policy called %(given)s: choose one of %(known)s or give the path of a "
               ".toml file."), source=given, given=repr(given), known=", ".join(SHIPPED_POLICIES)),
        unreadable=lambda path, detail: PolicyError(
            N_("The real-name policy %(source)s cannot be read: %(detail)s."), source=path, detail=detail),
        not_utf8=lambda path: PolicyError(N_("The real-name policy %(source)s is not UTF-8 text."), source=path),
    )
