"""Initial issuer schema.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

T = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column("type_key", sa.String(16), nullable=False),
        sa.Column("document_number", sa.String(50), nullable=False, index=True),
        sa.Column("claims_json", sa.Text, nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("client_request_id", sa.String(100), nullable=True, unique=True),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("offer_id", sa.String(64), nullable=False, unique=True),
        sa.Column("pre_authorized_code", sa.String(64), nullable=False, unique=True),
        sa.Column("tx_code", sa.String(16), nullable=True),
        sa.Column("tx_attempts", sa.Integer, nullable=False),
        sa.Column("expires_at", T, nullable=False),
        sa.Column("used_at", T, nullable=True),
    )
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("configuration_id", sa.String(40), nullable=False),
        sa.Column("expires_at", T, nullable=False),
        sa.Column("used_at", T, nullable=True),
    )
    op.create_table(
        "nonces",
        sa.Column("nonce_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", T, nullable=False, index=True),
        sa.Column("used_at", T, nullable=True),
    )
    op.create_table(
        "status_lists",
        sa.Column("list_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", T, nullable=False),
        sa.Column("bits", sa.Integer, nullable=False),
        sa.Column("used", T, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("token", sa.Text, nullable=True),
        sa.Column("token_iat", T, nullable=False),
        sa.Column("token_exp", T, nullable=False),
        sa.Column("version", T, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("document_number", sa.String(50), nullable=False, index=True),
        sa.Column("type_key", sa.String(16), nullable=False),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("status_lists.list_id"), nullable=False),
        sa.Column("idx", T, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("holder_thumbprint", sa.String(64), nullable=True),
        sa.Column("paper", sa.Boolean, nullable=False),
        sa.Column("issued_at", T, nullable=False),
        sa.UniqueConstraint("list_id", "idx", name="uq_credentials_list_idx"),
    )
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_number", sa.String(50), nullable=False, index=True),
        sa.Column("old_status", sa.Integer, nullable=False),
        sa.Column("new_status", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", T, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", T, nullable=False, index=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", T, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", T, nullable=False),
    )


def downgrade() -> None:
    for name in ("api_tokens", "users", "audit_log", "status_events", "credentials", "status_lists",
                 "nonces", "access_tokens", "offers", "cases"):
        op.drop_table(name)
