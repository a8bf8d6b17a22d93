"""product copy: staff-approved product descriptions per language

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'product_copy',
        sa.Column('product_id', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('saved_by', sa.String(length=100), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name='fk_product_copy_product_id_products'),
        sa.PrimaryKeyConstraint('product_id', 'language', name='pk_product_copy'),
    )


def downgrade() -> None:
    op.drop_table('product_copy')
