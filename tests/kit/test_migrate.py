"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from vidswap.kit.db import create_engine
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.models import metadata


async def schema_differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def compare(sync_connection):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return compare_metadata(context, metadata)

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_sqlite_migration_matches_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    assert set(metadata.tables) <= await table_names(url)
    assert await schema_differences(url) == []


async def test_postgres_migration_matches_models(postgres_database: str) -> None:
    assert set(metadata.tables) <= await table_names(postgres_database)
    assert await schema_differences(postgres_database) == []


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}"
    upgrade_database(url)
    upgrade_database(url)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (
            "365 天专业版会员，含 7200 能量，会员期内有效。",
            "365 天专业版会员，含 7,200 能量，会员期内有效。",
        ),
        ("运营方自己写的说明", "运营方自己写的说明"),
    ],
)
def test_seeded_yearly_description_is_regrouped(tmp_path: Path, stored: str, expected: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'seed.db'}"
    upgrade_database(url, "0004")
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    products = sa.table("products", sa.column("id"), sa.column("descriptions", sa.JSON))
    yearly = products.c.id == "pro_yearly"
    with engine.begin() as connection:
        # What a database seeded before the regrouping holds, or an operator's own text.
        descriptions = dict(
            connection.execute(sa.select(products.c.descriptions).where(yearly)).scalar_one()
        )
        descriptions["zh-CN"] = stored
        connection.execute(products.update().where(yearly).values(descriptions=descriptions))

    upgrade_database(url)
    with engine.connect() as connection:
        after = connection.execute(sa.select(products.c.descriptions).where(yearly)).scalar_one()

    assert after["zh-CN"] == expected
    assert after["en"] == "Pro for 365 days with 7,200 Energy to use in that time."
