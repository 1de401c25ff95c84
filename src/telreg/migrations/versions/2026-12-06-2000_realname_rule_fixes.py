"""realname rule fixes: contract numbers, quota counters per policy quota, the agent's letter, porting's end

Revision ID: a1c0de120001
Revises: 5b1e8d3c7a90
Create Date: 2026-12-06 20:00:00+08:00

Issue 12:
- ``realname_numbers.state`` gains ``contract``: a legacy number of a service the policy's deadline does not
  cover (Hong Kong monthly subscribers, seed 000 Q4) is registered by its service contract, not withdrawn.
- A quota counter is keyed by the policy quota it counts (``postpaid``, ``prepaid``, ``any`` or a quota
  limited to some lines, e.g. ``postpaid:data-only+mobile``), so the service check constraints go and the key
  widens.
- ``realname_registrations.agent_letter_sealed``: the holder's letter authorising an agent (seed 003).
- ``realname_registrations.end_reason`` gains ``ported`` (seed 004 Q4.3: the number moves, the holder stays).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a1c0de120001'
down_revision = '5b1e8d3c7a90'
branch_labels = None
depends_on = None

_OLD_STATES = ("'unregistered', 'active', 'outgoing_barred', 'suspended', 'deactivated', 'quarantine', "
               "'terminated'")
_NEW_STATES = _OLD_STATES + ", 'contract'"
_OLD_REASONS = "'transferred', 'terminated', 'deactivated'"
_NEW_REASONS = _OLD_REASONS + ", 'ported'"


def upgrade() -> None:
    with op.batch_alter_table('realname_numbers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_realname_numbers_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_realname_numbers_state'), f"state IN ({_NEW_STATES})")
    with op.batch_alter_table('realname_quota_counters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_realname_quota_counters_service'), type_='check')
        batch_op.alter_column('service', existing_type=sa.String(length=16), type_=sa.String(length=48),
                              existing_nullable=False)
    with op.batch_alter_table('realname_registrations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_realname_registrations_quota_service'), type_='check')
        batch_op.drop_constraint(op.f('ck_realname_registrations_end_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_realname_registrations_end_reason'),
                                         f"end_reason IN ({_NEW_REASONS})")
        batch_op.alter_column('quota_service', existing_type=sa.String(length=16), type_=sa.String(length=48),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('agent_letter_sealed', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('realname_registrations', schema=None) as batch_op:
        batch_op.drop_column('agent_letter_sealed')
        batch_op.alter_column('quota_service', existing_type=sa.String(length=48), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_realname_registrations_end_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_realname_registrations_end_reason'),
                                         f"end_reason IN ({_OLD_REASONS})")
        batch_op.create_check_constraint(op.f('ck_realname_registrations_quota_service'),
                                         "quota_service IN ('prepaid', 'postpaid', 'any')")
    with op.batch_alter_table('realname_quota_counters', schema=None) as batch_op:
        batch_op.alter_column('service', existing_type=sa.String(length=48), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_realname_quota_counters_service'),
                                         "service IN ('prepaid', 'postpaid', 'any')")
    with op.batch_alter_table('realname_numbers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_realname_numbers_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_realname_numbers_state'), f"state IN ({_OLD_STATES})")
