"""Job handlers of the do-not-call context (callbacks, fax codes)."""
