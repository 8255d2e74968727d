"""DPoP (RFC 9449): access tokens bound to a key thumbprint, and the proofs' jti replay cache.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("access_tokens", sa.Column("dpop_jkt", sa.String(64), nullable=True))
    op.create_table(
        "dpop_jtis",
        sa.Column("jti_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_dpop_jtis_expires_at", "dpop_jtis", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_dpop_jtis_expires_at", table_name="dpop_jtis")
    op.drop_table("dpop_jtis")
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("dpop_jkt")
