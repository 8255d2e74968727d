"""Authorization code flow (OpenID4VCI 1.0 §5, RFC 9126 PAR, RFC 7636 PKCE) and shared server secrets
(the DPoP-Nonce key, RFC 9449 §8).

Revision ID: 0004
Revises: 0003s
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorization_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_uri_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("redirect_uri", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=True),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("configuration_id", sa.String(40), nullable=False),
        sa.Column("requested_by", sa.String(24), nullable=False),
        sa.Column("issuer_state", sa.String(100), nullable=True),
        sa.Column("dpop_jkt", sa.String(64), nullable=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("login_handle_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("login_nonce", sa.String(100), nullable=True),
        sa.Column("login_verifier", sa.String(128), nullable=True),
        sa.Column("login_expires_at", sa.BigInteger, nullable=True),
        sa.Column("subject", sa.String(100), nullable=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("code_expires_at", sa.BigInteger, nullable=True),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )
    # the person a case is for, as the SHA-256 of the personal number: found at login without
    # reading every case's claims; and the credential identifier an access token covers (§6.2)
    op.add_column("cases", sa.Column("subject_hash", sa.String(64), nullable=True))
    op.create_index("ix_cases_subject_hash", "cases", ["subject_hash"])
    op.add_column("access_tokens", sa.Column("credential_identifier", sa.String(64), nullable=True))
    cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("claims_json", sa.Text),
                     sa.column("subject_hash", sa.String))
    conn = op.get_bind()
    for case_id, claims_json in conn.execute(sa.select(cases.c.id, cases.c.claims_json)).all():
        number = (json.loads(claims_json) or {}).get("personal_administrative_number")
        if isinstance(number, str) and number:
            conn.execute(cases.update().where(cases.c.id == case_id)
                         .values(subject_hash=hashlib.sha256(number.encode()).hexdigest()))
    op.create_index("ix_authorization_requests_expires_at", "authorization_requests", ["expires_at"])
    op.create_table(
        "issuer_secrets",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("credential_identifier")
    op.drop_index("ix_cases_subject_hash", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("subject_hash")
    op.drop_table("issuer_secrets")
    op.drop_index("ix_authorization_requests_expires_at", table_name="authorization_requests")
    op.drop_table("authorization_requests")
