"""Back-office users can be disabled from the user management page (issue 15 item 5): a disabled user keeps
their name in the audit log but cannot log in.

Revision ID: 0006
Revises: 0005w
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005w"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
