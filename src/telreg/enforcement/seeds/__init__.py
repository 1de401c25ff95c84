"""Seed numbers: PLACEHOLDER (groundwork) — the seed-number work fills this package."""
