"""Every worker job of enforcement, imported so that the worker knows them (core/job_handlers.py)."""

from __future__ import annotations

from telreg.enforcement import case_jobs, report_jobs

__all__ = ["case_jobs", "report_jobs"]
