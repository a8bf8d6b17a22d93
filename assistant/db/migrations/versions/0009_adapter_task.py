"""adapter task: which job an adapter is trained for (chat, or drafting catalog copy)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 22:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('adapters') as batch:
        batch.add_column(sa.Column('task', sa.String(length=20), nullable=False, server_default='chat'))


def downgrade() -> None:
    with op.batch_alter_table('adapters') as batch:
        batch.drop_column('task')
