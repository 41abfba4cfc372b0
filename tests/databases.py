"""Fixtures that run a test once on SQLite and once on PostgreSQL.

Import them into a ``conftest.py``. The PostgreSQL database is shared by the
whole test session, so its rows are deleted before and after each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import assert_ledger_consistent, make_settings
from vidswap.api.app import create_app
from vidswap.billing.defaults import DEFAULT_LEVELS, DEFAULT_PRODUCTS
from vidswap.billing.models import MemberLevel, Product
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

# Users cascade to uploads, tasks, refresh tokens, ledger entries and memberships;
# orders outlive users, and products and levels go back to the seeded defaults.
TABLES_TO_CLEAR = (
    "task_events",
    "sms_codes",
    "rate_limit_windows",
    "payment_events",
    "orders",
    "oauth_handoffs",
    "users",
    "products",
    "member_levels",
)


@pytest.fixture(params=["sqlite", "postgres"])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on a migrated SQLite file, then on the session's PostgreSQL database."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        value = make_settings(tmp_path / "data", database_url=url)
        value.ensure_data_dir()
        return value
    value = make_settings(tmp_path / "data")
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


async def clear_tables(runtime: Runtime) -> None:
    async with runtime.engine.begin() as connection:
        for table in TABLES_TO_CLEAR:
            await connection.execute(text(f"DELETE FROM {table}"))
    async with runtime.sessionmaker() as session:
        session.add_all(MemberLevel(**row) for row in DEFAULT_LEVELS)
        await session.flush()
        session.add_all(Product(**row) for row in DEFAULT_PRODUCTS)
        await session.commit()


@pytest.fixture
async def db_runtime(db_settings: Settings) -> AsyncIterator[Runtime]:
    runtime = Runtime.build(db_settings)
    if not db_settings.is_sqlite:
        await clear_tables(runtime)
    yield runtime
    await assert_ledger_consistent(runtime)
    if not db_settings.is_sqlite:
        await clear_tables(runtime)
    await runtime.close()


@pytest.fixture
async def db_client(db_settings: Settings, db_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process HTTP client on the app backed by ``db_runtime``."""
    app = create_app(db_settings, db_runtime)
    await db_runtime.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as value:
        yield value
    await db_runtime.stop()
