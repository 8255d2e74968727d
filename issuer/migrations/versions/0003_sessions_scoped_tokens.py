"""Server-side back-office sessions (issue 14 finding 6) and scoped, revocable API tokens (finding 13).

Revision ID: 0003s
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003s"
down_revision = "0002"
branch_labels = None
depends_on = None

ALL_SCOPES = "create read status paper"


def upgrade() -> None:
    op.create_table(
        "backoffice_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_backoffice_sessions_username", "backoffice_sessions", ["username"])
    op.create_index("ix_backoffice_sessions_expires_at", "backoffice_sessions", ["expires_at"])
    # tokens made before scopes existed keep what they could do: every scope
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scopes", sa.String(100), nullable=False, server_default=ALL_SCOPES))
        batch.add_column(sa.Column("revoked_at", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("scopes")
    op.drop_index("ix_backoffice_sessions_expires_at", table_name="backoffice_sessions")
    op.drop_index("ix_backoffice_sessions_username", table_name="backoffice_sessions")
    op.drop_table("backoffice_sessions")
