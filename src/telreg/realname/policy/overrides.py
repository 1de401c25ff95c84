"""The policy in force = the TOML file's policy + changes approved under the two-person rule.

PLACEHOLDER (issue 16): the dual-control helper replaces the body with approved, effective-dated overrides of
the ``lawful_access``, ``retention`` and ``consent_purposes`` values. Until then it is the file's policy. Code
that reads those values calls :func:`effective_policy` so the change reaches it without another edit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.realname.policy.loader import get_policy
from telreg.realname.policy.model import Policy

__all__ = ["effective_policy"]


def effective_policy(session: Session, settings: Settings) -> Policy:
    """The policy in force now (the file's, with the approved changes applied)."""
    return get_policy(settings)
