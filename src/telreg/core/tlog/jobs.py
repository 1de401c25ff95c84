"""The worker's recurring integrator run (`telreg worker`, `telreg serve --with-worker`).

The worker calls every recurring schedule at each loop iteration (about once a second when idle);
service.scheduled_run lets at most one run through per ``audit_checkpoint_interval_seconds`` and never waits
for an integrator already running elsewhere (another worker, `telreg audit checkpoint`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from telreg.core.jobs import recurring

if TYPE_CHECKING:
    from telreg.runtime import Runtime


@recurring("audit.integrate")
def integrate_audit_log(session: Session, runtime: Runtime) -> None:
    # The schedule's own session stays unused (it never begins a transaction, so it holds no SQLite lock): the
    # integrator commits its unit of work before it talks to the witnesses.
    from telreg.core.tlog.service import scheduled_run

    scheduled_run(runtime)
