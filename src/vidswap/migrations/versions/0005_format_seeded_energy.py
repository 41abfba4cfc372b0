"""write 7,200 in the seeded yearly plan's Chinese description

The app shows Energy amounts with digit grouping in both languages, so the seeded
description's "7200" stood next to "7,200". Only an unchanged seeded text is
rewritten; an operator's own description stays.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD = "365 天专业版会员，含 7200 能量，会员期内有效。"
NEW = "365 天专业版会员，含 7,200 能量，会员期内有效。"

products = sa.table("products", sa.column("id"), sa.column("descriptions", sa.JSON))


def replace_text(old: str, new: str) -> None:
    connection = op.get_bind()
    row = connection.execute(
        sa.select(products.c.descriptions).where(products.c.id == "pro_yearly")
    ).first()
    if row is None or not isinstance(row.descriptions, dict):
        return
    if row.descriptions.get("zh-CN") != old:
        return
    descriptions = {**row.descriptions, "zh-CN": new}
    connection.execute(
        products.update().where(products.c.id == "pro_yearly").values(descriptions=descriptions)
    )


def upgrade() -> None:
    replace_text(OLD, NEW)


def downgrade() -> None:
    replace_text(NEW, OLD)
