"""Request bodies of number porting (porting_api.py, the same fields as `telreg realname port …`).

    POST /api/v1/realname/ports             {"operator": "op2", "number": "51234567",
                                             "document": {"type": "hkid", "number": "A123456(3)"}}
    POST /api/v1/realname/ports/{id}/confirm {"operator": "op1"}
    POST /api/v1/realname/ports/{id}/reject  {"operator": "op1", "reason": "The contract has 3 months to run"}
    POST /api/v1/realname/ports/{id}/cancel  {"operator": "op2", "reason": "…"}

``operator`` is always the operator the clerk acts for: the receiving one to request or cancel, the donor to
confirm or reject. Unknown keys are refused.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["HolderDocument", "PortCancel", "PortDecision", "PortRejection", "PortRequestIn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HolderDocument(_Strict):
    type: str = Field(min_length=1, max_length=32, description="Type code, e.g. hkid, cn-resident-id")
    number: str = Field(min_length=1, max_length=200, description="As printed; passport-mrz: the MRZ lines")


class PortRequestIn(_Strict):
    operator: str = Field(min_length=1, max_length=64, description="The receiving operator (the clerk's own)")
    number: str = Field(min_length=1, max_length=32)
    document: HolderDocument = Field(description="The registered holder's document, as proof that the holder "
                                                 "asks for the port")


class PortDecision(_Strict):
    operator: str = Field(min_length=1, max_length=64, description="The donor operator (the clerk's own)")


class PortRejection(PortDecision):
    reason: str = Field(min_length=1, max_length=1000,
                        description="Why the donor refuses, shown to the recipient")


class PortCancel(_Strict):
    operator: str = Field(min_length=1, max_length=64, description="The receiving operator (the clerk's own)")
    reason: str | None = Field(None, max_length=1000)
