"""HTTP API of enforcement: PLACEHOLDER (groundwork) — the owning work replaces this module."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
