"""Real-name registration of SIM cards and numbers: identities, documents, quotas, lifecycle."""
