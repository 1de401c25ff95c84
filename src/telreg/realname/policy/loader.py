"""Load a policy from a shipped name or a TOML file, refusing it with the file and line of each mistake."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.core.toml_data import load_model
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
    if name_or_path in SHIPPED_POLICIES:
        shipped = resources.files("telreg.realname.policy") / "files" / f"{name_or_path}.toml"
        return str(shipped), shipped.read_text(encoding="utf-8")
    if not name_or_path.endswith(".toml"):
        raise PolicyError(
            N_("There is no real-name policy called %(given)s: choose one of %(known)s or give the path of a "
               ".toml file."),
            source=name_or_path, given=repr(name_or_path), known=", ".join(SHIPPED_POLICIES),
        )
    path = Path(name_or_path)
    try:
        return str(path), path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(N_("The real-name policy %(source)s cannot be read: %(detail)s."), source=str(path),
                          detail=str(exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise PolicyError(N_("The real-name policy %(source)s is not UTF-8 text."),
                          source=str(path)) from None
