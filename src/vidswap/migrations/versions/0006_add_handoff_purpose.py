"""add the purpose of a browser hand-off

A hand-off either signs a user in or links the provider account to the
signed-in user.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_handoffs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=8), server_default="sign_in", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("oauth_handoffs", schema=None) as batch_op:
        batch_op.drop_column("purpose")
