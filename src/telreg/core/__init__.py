"""Shared kernel: database, errors, clock, calendar, phone numbers, audit, jobs. Imports no context."""
