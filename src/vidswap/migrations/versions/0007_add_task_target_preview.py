"""add the key of a task's browser-playable target copy

Tasks whose target video browsers cannot play (HEVC, MOV, Matroska, AVI, GIF)
store an H.264 MP4 copy of it beside the result.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_preview_key", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("target_preview_key")
