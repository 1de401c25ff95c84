"""Real-name registration policies: each jurisdiction's limits as versioned TOML data, validated on load.

Shipped policies live in ``files/`` (``hong-kong``, ``mainland-china``); a deployment picks one, or its own
file, with TELREG_REALNAME_POLICY, and telreg refuses to start when that policy is not valid.
"""

from __future__ import annotations

from telreg.realname.policy.loader import SHIPPED_POLICIES, get_policy, load_policy
from telreg.realname.policy.model import Documents, Lifecycle, Policy, Quota, Step

__all__ = [
    "SHIPPED_POLICIES", "Documents", "Lifecycle", "Policy", "Quota", "Step", "get_policy", "load_policy",
]
