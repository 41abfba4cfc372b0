"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

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
