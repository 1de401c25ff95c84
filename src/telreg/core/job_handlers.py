"""Import every module that registers job handlers, so a worker knows all kinds of work."""

from __future__ import annotations

import importlib

HANDLER_MODULES = ("telreg.dnc.jobs", "telreg.core.mail", "telreg.senders.jobs", "telreg.dnc.publish.jobs",
                   "telreg.senders.washing.jobs", "telreg.realname.lifecycle_jobs",
                   "telreg.core.tlog.jobs", "telreg.senders.file_sweep",
                   "telreg.ecert.subscription_jobs", "telreg.ecert.status_jobs",
                   "telreg.ecert.identity_jobs", "telreg.ecert.signer_jobs",
                   "telreg.lawful.jobs",
                   "telreg.realname.retention_jobs",
                   "telreg.core.dual_control_jobs",
                   "telreg.enforcement.jobs")


def load_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)
