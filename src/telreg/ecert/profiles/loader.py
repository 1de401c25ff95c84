"""Load the certificate profiles from a shipped name or a TOML file, refusing them with the file and line of
each mistake (the same reader as the real-name policies: telreg.core.toml_data)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.core.toml_data import load_model, read_source
from telreg.ecert.errors import ProfileError
from telreg.ecert.profiles.model import Profiles

SHIPPED_PROFILES = ("hong-kong",)


def load_profiles(name_or_path: str) -> Profiles:
    """Return the profiles shipped under this name (hong-kong) or read from a .toml path."""
    source, text = _read(name_or_path)
    return load_model(Profiles, source=source, text=text, not_toml=_not_toml, invalid=_invalid,
                      input_hidden_for=("value_error",))


def get_profiles(settings: Settings) -> Profiles:
    """Return the deployment's profiles (TELREG_ECERT_PROFILES), read once per process."""
    return _cached(settings.ecert_profiles)


@lru_cache(maxsize=8)
def _cached(name_or_path: str) -> Profiles:
    return load_profiles(name_or_path)


def _not_toml(source: str, detail: str) -> ProfileError:  # tomllib's message already carries line and column
    return ProfileError(N_("The certificate profiles %(source)s are not valid TOML: %(detail)s."), source=source,
                        detail=detail)


def _invalid(source: str, problems: list[dict[str, Any]], listing: str) -> ProfileError:
    return ProfileError(N_("The certificate profiles %(source)s are not valid:\n%(listing)s"), source=source,
                        problems=problems, listing=listing)


def _read(name_or_path: str) -> tuple[str, str]:
    return read_source(
        name_or_path, package="telreg.ecert.profiles", shipped=SHIPPED_PROFILES,
        unknown=lambda given: ProfileError(
            N_("There are no certificate profiles called %(given)s: choose one of %(known)s or give the path of "
               "a .toml file."), source=given, given=repr(given), known=", ".join(SHIPPED_PROFILES)),
        unreadable=lambda path, detail: ProfileError(
            N_("The certificate profiles %(source)s cannot be read: %(detail)s."), source=path, detail=detail),
        not_utf8=lambda path: ProfileError(N_("The certificate profiles %(source)s are not UTF-8 text."),
                                           source=path),
    )
