"""Web pages router (placeholder until the pages land)."""

from fastapi import APIRouter

router = APIRouter()
