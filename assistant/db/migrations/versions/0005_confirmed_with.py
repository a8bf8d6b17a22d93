"""pending actions record what confirmed them: the shopper's exact reply, or `button`

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pending_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_with', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pending_actions', schema=None) as batch_op:
        batch_op.drop_column('confirmed_with')
