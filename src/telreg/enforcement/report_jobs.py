"""Worker jobs of enforcement: PLACEHOLDER (groundwork) — the owning work fills this module."""

from __future__ import annotations
