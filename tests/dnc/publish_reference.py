"""The publication reader as it was before issue 18 (a COPY of fixed-width text per register on PostgreSQL, one
group_concat per register on SQLite): the oracle the one-scan reader (dnc/publish/source.py) is tested against."""
from __future__ import annotations

import datetime as dt

import numpy as np
from psycopg import sql
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from telreg.core.db import UTCDateTime
from telreg.dnc.publish.formats import U64, digits_to_int, parse_fixed
from telreg.dnc.vocabulary import ListingEvent, Register

__all__ = ["register_state"]

_REMOVALS = (ListingEvent.deregistered.value, ListingEvent.removed_terminated.value)
_LISTING_WIDTH = 16  # number + YYYYMMDD
_EVENT_WIDTH = 17  # number + A|R + YYYYMMDD (00000000 for an addition)


def _listings_sql(dialect: str) -> str:
    day = "to_char(registration_date, 'YYYYMMDD')" if dialect == "postgresql" else "replace(registration_date, '-', '')"
    return f"SELECT number || {day} AS field FROM dnc_listings WHERE register = {{register}}"


def _events_sql(dialect: str) -> str:
    registered_on = (
        "(details ->> 'registered_on')" if dialect == "postgresql" else "json_extract(details, '$.registered_on')"
    )
    removals = ", ".join(f"'{a}'" for a in _REMOVALS)
    return f"""
        SELECT number || CASE WHEN action = '{ListingEvent.registered.value}' THEN 'A' ELSE 'R' END
                      || CASE WHEN action = '{ListingEvent.registered.value}' THEN '00000000'
                              ELSE coalesce(replace(registered_on, '-', ''), '????????') END AS field
        FROM (
            SELECT subject_key AS number, action, {registered_on} AS registered_on,
                   row_number() OVER (PARTITION BY subject_key ORDER BY occurred_at, id) AS rank
            FROM audit_events
            WHERE subject_type = 'number' AND register = {{register}} AND occurred_at >= {{cutoff}}
              AND action IN ('{ListingEvent.registered.value}', {removals})
        ) AS first_events
        WHERE rank = 1"""


def _fetch(session: Session, template: str, *, register: str, cutoff: dt.datetime | None, width: int) -> bytes:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        utc = cutoff.astimezone(dt.UTC).replace(tzinfo=None) if cutoff else None
        query = sql.SQL("COPY ({}) TO STDOUT").format(
            sql.SQL(template).format(register=sql.Literal(register),
                                     cutoff=sql.Literal(utc.isoformat(sep=" ") if utc else None))
        )
        raw = session.connection().connection.driver_connection
        buffer = bytearray()
        with raw.cursor() as cursor, cursor.copy(query) as copy:  # type: ignore[union-attr]
            for block in copy:
                buffer += block
        # COPY ends each row with a newline: strip them by viewing rows of width + 1.
        if not buffer:
            return b""
        return parse_fixed(bytes(buffer), width + 1)[:, :width].tobytes()
    inner = template.format(register=":register", cutoff=":cutoff")
    statement = text(f"SELECT group_concat(field, '') FROM ({inner}) AS source_rows")
    if cutoff is not None:
        statement = statement.bindparams(bindparam("cutoff", type_=UTCDateTime()))
    value = session.execute(statement, {"register": register, "cutoff": cutoff}).scalar()
    return (value or "").encode("ascii")


def register_state(session: Session, *, register: Register, day: dt.date, cutoff: dt.datetime) -> tuple[U64, U64]:
    """Return the register at ``cutoff`` (the close of ``day``) as sorted (numbers, YYYYMMDD dates) arrays."""
    dialect = session.get_bind().dialect.name
    listings = parse_fixed(
        _fetch(session, _listings_sql(dialect), register=register.value, cutoff=None, width=_LISTING_WIDTH),
        _LISTING_WIDTH,
    )
    numbers, dates = digits_to_int(listings[:, :8]), digits_to_int(listings[:, 8:])
    events = parse_fixed(
        _fetch(session, _events_sql(dialect), register=register.value, cutoff=cutoff, width=_EVENT_WIDTH),
        _EVENT_WIDTH,
    )
    if len(events):
        touched = digits_to_int(events[:, :8])
        removal = events[:, 8] == ord("R")
        undated = removal & (events[:, 9] == ord("?"))
        if undated.any():
            number = events[np.argmax(undated), :8].tobytes().decode()
            raise ValueError(f"the removal of {number} from {register.value} does not say when it was registered")
        # Numbers with an event after the cut-off take their state from that event; the rest stand as they are.
        keep = ~np.isin(numbers, touched)
        numbers = np.concatenate([numbers[keep], touched[removal]])
        dates = np.concatenate([dates[keep], digits_to_int(events[removal, 9:])])
    # A listing dated after the day cannot have stood at its close (even one written without an audit event).
    code = np.uint64(day.year * 10_000 + day.month * 100 + day.day)
    in_time = dates <= code
    numbers, dates = numbers[in_time], dates[in_time]
    # One sort of a combined key orders by number (numbers are unique within a register).
    key = np.sort(numbers * np.uint64(100_000_000) + dates)
    return key // np.uint64(100_000_000), key % np.uint64(100_000_000)
