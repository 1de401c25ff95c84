"""The kernel's own kinds under the two-person rule: the personal-data keys (core/key_rotation.py, `telreg keys`).

Asked for and approved by administrators (two different ones); run by `telreg keys rotate|retire --approval ID
--by USERNAME`, which consume the approval right before the work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telreg.core import dual_control
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_

ADMIN = frozenset({"admin"})


def _key_rotation_params(params: dict[str, Any], scope: str | None) -> dict[str, Any]:
    unknown = sorted(set(params) - {"key_id", "retire"})
    if unknown:
        raise InvalidInput(N_("Unknown parameter(s) %(unknown)s; this operation takes %(known)s."),
                           unknown=", ".join(unknown), known="key_id, retire")
    clean: dict[str, Any] = {}
    if params.get("key_id"):
        clean["key_id"] = str(params["key_id"]).strip()
    retire = params.get("retire")
    if retire:
        names = retire.split(",") if isinstance(retire, str) else list(retire)
        clean["retire"] = sorted({str(name).strip() for name in names if str(name).strip()})
    return clean


def _key_retirement_params(params: dict[str, Any], scope: str | None) -> dict[str, Any]:
    unknown = sorted(set(params) - {"key_id"})
    if unknown or not str(params.get("key_id") or "").strip():
        raise InvalidInput(N_("Name the key to retire: key_id=ID (and nothing else)."))
    return {"key_id": str(params["key_id"]).strip()}


def _describe_rotation(params: Mapping[str, Any], scope: str | None) -> str:
    target = f"to key {params['key_id']}" if params.get("key_id") else "to a new generated key"
    retire = f", then retire {', '.join(params['retire'])}" if params.get("retire") else ""
    return f"Rotate the personal-data key {target} and re-seal every stored value{retire}"


dual_control.register_kind("key-rotation", approver_roles=ADMIN, requester_roles=ADMIN,
                           describe=_describe_rotation, scoped=False, check_params=_key_rotation_params,
                           param_names=("key_id", "retire"))
dual_control.register_kind("index-key-rotation", approver_roles=ADMIN, requester_roles=ADMIN, scoped=False,
                           describe=lambda params, scope: "Replace the blind-index key and recompute every "
                                                          "document index")
dual_control.register_kind("key-retirement", approver_roles=ADMIN, requester_roles=ADMIN, scoped=False,
                           check_params=_key_retirement_params, param_names=("key_id",),
                           describe=lambda params, scope: f"Retire the personal-data key {params['key_id']}")
