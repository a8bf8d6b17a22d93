"""one-time identification codes, the demo outbox, and the client address digest of a conversation

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'identity_challenges',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('conversation_id', sa.String(length=64), nullable=False),
        sa.Column('customer_id', sa.String(length=64), nullable=False),
        sa.Column('code_hash', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name='fk_identity_challenges_conversation_id_conversations'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name='fk_identity_challenges_customer_id_customers'),
        sa.PrimaryKeyConstraint('id', name='pk_identity_challenges'),
    )
    op.create_index('ix_identity_challenges_conversation_id', 'identity_challenges', ['conversation_id'])
    op.create_index('ix_identity_challenges_customer_id', 'identity_challenges', ['customer_id'])
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('to_address', sa.String(length=200), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_outbox'),
    )
    op.create_index('ix_outbox_to_address', 'outbox', ['to_address'])
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=40), nullable=True))
        batch_op.create_index('ix_conversations_client_key', ['client_key'])


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_client_key')
        batch_op.drop_column('client_key')
    op.drop_index('ix_outbox_to_address', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_identity_challenges_customer_id', table_name='identity_challenges')
    op.drop_index('ix_identity_challenges_conversation_id', table_name='identity_challenges')
    op.drop_table('identity_challenges')
