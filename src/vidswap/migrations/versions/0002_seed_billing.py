"""seed member levels and products

The defaults in vidswap.billing.defaults, inserted once on the first upgrade.
Operators change or remove them afterwards; later upgrades do not bring them back.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vidswap.billing.defaults import DEFAULT_LEVELS, DEFAULT_PRODUCTS
from vidswap.kit.clock import utcnow
from vidswap.kit.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = utcnow()

    def stamps() -> list[sa.ColumnClause[object]]:
        return [
            sa.column("created_at", UTCDateTime(timezone=True)),
            sa.column("updated_at", UTCDateTime(timezone=True)),
        ]

    levels = sa.table(
        "member_levels",
        *[sa.column(name) for name in DEFAULT_LEVELS[0] if name != "names"],
        sa.column("names", sa.JSON),
        *stamps(),
    )
    json_columns = ("names", "descriptions", "features", "provider_price_ids")
    products = sa.table(
        "products",
        *[sa.column(name) for name in DEFAULT_PRODUCTS[0] if name not in json_columns],
        *[sa.column(name, sa.JSON) for name in json_columns],
        *stamps(),
    )
    op.bulk_insert(
        levels, [{**row, "created_at": now, "updated_at": now} for row in DEFAULT_LEVELS]
    )
    op.bulk_insert(
        products, [{**row, "created_at": now, "updated_at": now} for row in DEFAULT_PRODUCTS]
    )


def downgrade() -> None:
    ids = [row["id"] for row in DEFAULT_PRODUCTS]
    ranks = [row["rank"] for row in DEFAULT_LEVELS]
    products = sa.table("products", sa.column("id"))
    levels = sa.table("member_levels", sa.column("rank"))
    op.execute(products.delete().where(products.c.id.in_(ids)))
    op.execute(levels.delete().where(levels.c.rank.in_(ranks)))
