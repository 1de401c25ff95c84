"""real-name tables partitioned by operator on PostgreSQL (issue 18 §6); a no-op on SQLite

``realname_numbers``, ``realname_registrations`` and ``realname_quota_counters`` become ``PARTITION BY HASH
(operator_id)`` with 8 partitions (``<table>_p0`` … ``_p7``). HASH, not LIST: operators are rows an administrator
adds, not schema, so a new operator needs no DDL and no default partition collecting everything unplanned; a
look-up by operator still prunes to one partition (docs/scaling.md). Identities span operators and stay one table.

What partitioning forces, and what replaces it:

- Every primary key and unique key includes ``operator_id``: the primary keys become ``(id, operator_id)`` (id
  first, so a look-up by id alone probes one index per partition), the numbers' unique number and ICCID become
  ``(number, operator_id)`` and ``(iccid, operator_id)``, the one-current-registration index ``(number_id,
  operator_id) WHERE ended_at IS NULL`` (a number's current registration is at the operator that holds it).
- A number stays unique across operators — a port moves its row to another partition — through
  ``realname_number_keys`` (id, number, ICCID and the operator holding it, each unique), kept by a trigger on
  ``realname_numbers``: a second operator's insert of a held number fails on ``uq_realname_number_keys_number``,
  also when the first has not committed yet (it waits on the index entry).
- Foreign keys to a number (registrations, lifecycle events, look-up challenges, flags, port requests) point at
  ``realname_number_keys.id``: the same rows exist, and the key survives the number's move between partitions.
- A port request's registrations before and after are referenced with the operator they are at:
  ``(registration_before_id, donor_operator_id)`` and ``(registration_after_id, recipient_operator_id)``.
- ``la_task_records.registration_id`` loses its foreign key: the record carries no operator to complete it with,
  it is written from a registration just read in the same transaction, and registrations are never deleted
  (retention erases their sealed columns in place).

``downgrade()`` rebuilds the plain tables and the original constraints, rows kept.

Revision ID: c18b00000001
Revises: c17d00000001
Create Date: 2026-12-09 10:10:00+08:00
"""

from __future__ import annotations

from alembic import op

revision = 'c18b00000001'
down_revision = 'c17d00000001'
branch_labels = None
depends_on = None

PARTITIONS = 8

# Per table: (unique/primary keys on PostgreSQL partitioned, plain indexes kept as they were).
_PARTITIONED = {
    "realname_numbers": {
        "keys": ["CONSTRAINT pk_realname_numbers PRIMARY KEY (id, operator_id)",
                 "CONSTRAINT uq_realname_numbers_number_operator UNIQUE (number, operator_id)",
                 "CONSTRAINT uq_realname_numbers_iccid_operator UNIQUE (iccid, operator_id)"],
        "plain_keys": ["CONSTRAINT pk_realname_numbers PRIMARY KEY (id)",
                       "CONSTRAINT uq_realname_numbers_number UNIQUE (number)",
                       "CONSTRAINT uq_realname_numbers_iccid UNIQUE (iccid)"],
        "indexes": ["CREATE INDEX ix_realname_numbers_operator_state ON realname_numbers (operator_id, state)"],
        "fks": ["CONSTRAINT fk_realname_numbers_operator_id_realname_operators FOREIGN KEY (operator_id) "
                "REFERENCES realname_operators (id)"],
    },
    "realname_registrations": {
        "keys": ["CONSTRAINT pk_realname_registrations PRIMARY KEY (id, operator_id)"],
        "plain_keys": ["CONSTRAINT pk_realname_registrations PRIMARY KEY (id)"],
        "indexes": ["CREATE INDEX ix_realname_registrations_holder ON realname_registrations (holder_id, operator_id)",
                    "CREATE INDEX ix_realname_registrations_number_id ON realname_registrations (number_id)"],
        "partitioned_indexes": ["CREATE UNIQUE INDEX uq_realname_registrations_current ON realname_registrations "
                                "(number_id, operator_id) WHERE ended_at IS NULL"],
        "plain_indexes": ["CREATE UNIQUE INDEX uq_realname_registrations_current ON realname_registrations "
                          "(number_id) WHERE ended_at IS NULL"],
        "fks": [f"CONSTRAINT fk_realname_registrations_{role}_id_realname_identities FOREIGN KEY ({role}_id) "
                "REFERENCES realname_identities (id)" for role in ("holder", "guardian", "agent", "handler")]
               + ["CONSTRAINT fk_realname_registrations_operator_id_realname_operators FOREIGN KEY (operator_id) "
                  "REFERENCES realname_operators (id)"],
    },
    "realname_quota_counters": {
        "keys": ["CONSTRAINT pk_realname_quota_counters PRIMARY KEY (id, operator_id)",
                 "CONSTRAINT uq_realname_quota_counters_identity_operator_service "
                 "UNIQUE (identity_id, operator_id, service)"],
        "plain_keys": ["CONSTRAINT pk_realname_quota_counters PRIMARY KEY (id)",
                       "CONSTRAINT uq_realname_quota_counters_identity_operator_service "
                       "UNIQUE (identity_id, operator_id, service)"],
        "indexes": [],
        "fks": ["CONSTRAINT fk_realname_quota_counters_identity_id_realname_identities FOREIGN KEY (identity_id) "
                "REFERENCES realname_identities (id)",
                "CONSTRAINT fk_realname_quota_counters_operator_id_realname_operators FOREIGN KEY (operator_id) "
                "REFERENCES realname_operators (id)"],
    },
}

# Foreign keys of other tables into the partitioned ones: (table, name, definition) plain → partitioned.
_NUMBER_REFERENCES = (
    ("realname_registrations", "fk_realname_registrations_number_id_realname_numbers",
     "fk_realname_registrations_number_id_realname_number_keys"),
    ("realname_lifecycle_events", "fk_realname_lifecycle_events_number_id_realname_numbers",
     "fk_realname_lifecycle_events_number_id_realname_number_keys"),
    ("realname_lookup_challenges", "fk_realname_lookup_challenges_number_id_realname_numbers",
     "fk_realname_lookup_challenges_number_id_realname_number_keys"),
    ("realname_flags", "fk_realname_flags_number_id_realname_numbers", "fk_realname_flags_number_id_realname_number_keys"),
    ("realname_port_requests", "fk_realname_port_requests_number_id_realname_numbers",
     "fk_realname_port_requests_number_id_realname_number_keys"),
)
_REGISTRATION_REFERENCES = (
    # (table, plain name, plain columns, partitioned name, partitioned columns)
    ("realname_port_requests", "fk_realname_port_requests_registration_before_id_realna_3970",
     "registration_before_id", "fk_realname_port_requests_registration_before_at_donor",
     "registration_before_id, donor_operator_id"),
    ("realname_port_requests", "fk_realname_port_requests_registration_after_id_realnam_aff7",
     "registration_after_id", "fk_realname_port_requests_registration_after_at_recipient",
     "registration_after_id, recipient_operator_id"),
    ("la_task_records", "fk_la_task_records_registration_id_realname_registrations", "registration_id", None, None),
)

_KEYS_SYNC = """
CREATE FUNCTION realname_number_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- A row moving to another operator's partition is deleted there and inserted here: keep its key.
        DELETE FROM realname_number_keys k WHERE k.id = OLD.id
            AND NOT EXISTS (SELECT 1 FROM realname_numbers n WHERE n.id = OLD.id);
        RETURN OLD;
    END IF;
    INSERT INTO realname_number_keys (id, number, iccid, operator_id)
    VALUES (NEW.id, NEW.number, NEW.iccid, NEW.operator_id)
    ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number, iccid = EXCLUDED.iccid,
                                   operator_id = EXCLUDED.operator_id;
    RETURN NEW;
END $$;
CREATE FUNCTION realname_number_keys_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM realname_number_keys;  -- TRUNCATE fires no row trigger; referencing rows must be gone too
    RETURN NULL;
END $$;
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rebuild(table: str, *, partitioned: bool) -> None:
    """Recreate TABLE (same columns, defaults, checks, rows) partitioned by operator or plain."""
    spec = _PARTITIONED[table]
    new = f"{table}_rebuilt"
    by = " PARTITION BY HASH (operator_id)" if partitioned else ""
    op.execute(f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){by}")
    if partitioned:
        for remainder in range(PARTITIONS):
            op.execute(f"CREATE TABLE {table}_p{remainder} PARTITION OF {new} "
                       f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})")
    op.execute(f"INSERT INTO {new} SELECT * FROM {table}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {new}.id")  # the old table's drop must not take it
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {new} RENAME TO {table}")
    for key in spec["keys" if partitioned else "plain_keys"]:
        op.execute(f"ALTER TABLE {table} ADD {key}")
    for index in spec["indexes"] + spec.get("partitioned_indexes" if partitioned else "plain_indexes", []):
        op.execute(index)
    for fk in spec["fks"]:
        op.execute(f"ALTER TABLE {table} ADD {fk}")


def upgrade() -> None:
    if not _postgresql():
        return
    for table, plain, _ in _NUMBER_REFERENCES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {plain}")
    for table, plain, *_ in _REGISTRATION_REFERENCES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {plain}")
    for table in _PARTITIONED:
        _rebuild(table, partitioned=True)
    op.execute("""
        CREATE TABLE realname_number_keys (
            id integer NOT NULL CONSTRAINT pk_realname_number_keys PRIMARY KEY,
            number varchar(16) NOT NULL CONSTRAINT uq_realname_number_keys_number UNIQUE,
            iccid varchar(22) CONSTRAINT uq_realname_number_keys_iccid UNIQUE,
            operator_id integer NOT NULL)""")
    op.execute("INSERT INTO realname_number_keys (id, number, iccid, operator_id) "
               "SELECT id, number, iccid, operator_id FROM realname_numbers")
    op.execute(_KEYS_SYNC)
    op.execute("CREATE TRIGGER realname_numbers_keys AFTER INSERT OR DELETE OR UPDATE OF number, iccid, operator_id "
               "ON realname_numbers FOR EACH ROW EXECUTE FUNCTION realname_number_keys_sync()")
    op.execute("CREATE TRIGGER realname_numbers_keys_truncate AFTER TRUNCATE ON realname_numbers "
               "FOR EACH STATEMENT EXECUTE FUNCTION realname_number_keys_clear()")
    for table, _, partitioned in _NUMBER_REFERENCES:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {partitioned} FOREIGN KEY (number_id) "
                   "REFERENCES realname_number_keys (id)")
    for table, _, _, name, columns in _REGISTRATION_REFERENCES:
        if name is not None:
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({columns}) "
                       "REFERENCES realname_registrations (id, operator_id)")


def downgrade() -> None:
    if not _postgresql():
        return
    for table, _, partitioned in _NUMBER_REFERENCES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {partitioned}")
    for table, _, _, name, _ in _REGISTRATION_REFERENCES:
        if name is not None:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute("DROP TABLE realname_number_keys")
    op.execute("DROP TRIGGER realname_numbers_keys ON realname_numbers")
    op.execute("DROP TRIGGER realname_numbers_keys_truncate ON realname_numbers")
    op.execute("DROP FUNCTION realname_number_keys_sync()")
    op.execute("DROP FUNCTION realname_number_keys_clear()")
    for table in _PARTITIONED:
        _rebuild(table, partitioned=False)
    for table, plain, _ in _NUMBER_REFERENCES:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {plain} FOREIGN KEY (number_id) "
                   "REFERENCES realname_numbers (id)")
    for table, plain, column, *_ in _REGISTRATION_REFERENCES:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {plain} FOREIGN KEY ({column}) "
                   "REFERENCES realname_registrations (id)")
