"""Demo lawful-access data: the law-enforcement agency the demo officers belong to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.lawful import agencies
from telreg.lawful.models import Agency

ACTOR = "demo"
DEMO_AGENCIES = (("hkpf", "Hong Kong Police Force (demo)"),)


def load_agencies(session: Session, *, clock: Clock) -> list[str]:
    """Create the demo agencies that do not exist yet; return the codes created."""
    created = []
    for code, name in DEMO_AGENCIES:
        if session.scalar(select(Agency.id).where(Agency.code == code)) is None:
            agencies.add_agency(session, clock=clock, code=code, name=name, actor=ACTOR)
            created.append(code)
    return created
