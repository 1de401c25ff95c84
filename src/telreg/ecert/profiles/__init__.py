"""Certificate profiles as data: what each kind of certificate contains, as versioned TOML validated on load.

Shipped profiles live in ``files/`` (``hong-kong``); a deployment picks them, or its own file, with
TELREG_ECERT_PROFILES, and telreg refuses to start when they are not valid (naming the file and line).
"""

from __future__ import annotations

from telreg.ecert.profiles.loader import SHIPPED_PROFILES, get_profiles, load_profiles
from telreg.ecert.profiles.model import REQUIRED_PROFILES, Authority, Profile, Profiles

__all__ = ["REQUIRED_PROFILES", "SHIPPED_PROFILES", "Authority", "Profile", "Profiles", "get_profiles",
           "load_profiles"]
