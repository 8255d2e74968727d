"""A holder's lost device (issue 15, item 4): credentials revoked because the phone holding them was lost are
marked ``lost`` (the document itself stays valid, a new offer can be made); DPoP-bound refresh tokens
(RFC 6749 §6, RFC 9449 §5) so a wallet can fetch new one-time copies without a new case.

Revision ID: 0005w
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005w"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("lost", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("configuration_id", sa.String(40), nullable=False),
        sa.Column("dpop_jkt", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("lost")
