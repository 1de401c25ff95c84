"""The leaf data of an audit event: the bytes the log commits to (leaf hash = SHA-256(0x00 || leaf data)).

Canonical form, version 1 — a JSON object, keys sorted, separators ``,`` and ``:``, ASCII only (``\\uXXXX``
escapes), encoded as UTF-8 (= ASCII)::

    {"action":…,"actor":…,"details":{…},"id":<event id>,"occurred_at":"2026-03-02T02:00:00.000000+00:00",
     "register":…|null,"subject_key":…,"subject_type":…,"v":1}

``occurred_at`` is the instant in UTC, ISO 8601 with microseconds and the ``+00:00`` offset; ``details`` is the
stored JSON value, its own keys sorted the same way. Anyone holding an event row can recompute its leaf and
check it against a tile or an inclusion proof without telreg.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Protocol

from telreg.core.tlog.merkle import leaf_hash

VERSION = 1


class EventRow(Protocol):
    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    subject_type: str
    subject_key: str
    register: str | None
    details: Any


def leaf_data(event: EventRow) -> bytes:
    occurred = event.occurred_at
    if occurred.tzinfo is None:  # rows read through the ORM are aware; a raw SQL read of SQLite may not be
        occurred = occurred.replace(tzinfo=dt.UTC)
    document = {
        "v": VERSION,
        "id": int(event.id),
        "occurred_at": occurred.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_key": event.subject_key,
        "register": event.register,
        "details": event.details if event.details is not None else {},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def event_leaf_hash(event: EventRow) -> bytes:
    return leaf_hash(leaf_data(event))
