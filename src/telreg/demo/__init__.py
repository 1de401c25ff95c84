"""Demonstration data: `telreg demo load` fills an empty database with staff, listings and weather warnings."""

from telreg.demo.loader import DEMO_USERS, DEMO_WARNINGS, DemoSummary, demo_listings, load_demo

__all__ = ["DEMO_USERS", "DEMO_WARNINGS", "DemoSummary", "demo_listings", "load_demo"]
