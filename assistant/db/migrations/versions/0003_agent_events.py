"""agent events: blocked replies, retries, fallbacks and automatic handoffs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_events'))
    )
    with op.batch_alter_table('agent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_events_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_events_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_events_kind'))
        batch_op.drop_index(batch_op.f('ix_agent_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_agent_events_conversation_id'))
    op.drop_table('agent_events')
