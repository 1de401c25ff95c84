"""Senders' subscription accounts: online application, documents, fees, payments, renewal, expiry, reminders.

The state machine of an account is drawn in :mod:`telreg.senders.lifecycle`; what a signed-in sender may do now
is answered by :func:`telreg.senders.lifecycle.access`.
"""
