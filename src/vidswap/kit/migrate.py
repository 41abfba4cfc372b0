"""Database migrations through Alembic, with the scripts shipped inside the package."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from vidswap.kit.db import create_engine
from vidswap.kit.errors import BadInputError, ServiceUnavailableError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``.

    The migration environment runs its own event loop, so when called from inside a
    running loop the migration runs in a separate thread and this call blocks until done.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(database_url), revision)
        return
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(command.upgrade, alembic_config(database_url), revision).result()


class DatabaseNotMigratedError(BadInputError):
    code = "database_not_migrated"
    messages = {
        "en": "The database {url} is at revision {current}, but this vidswap needs {head}. Run `vidswap db upgrade` first.",
        "zh-CN": "数据库 {url} 的版本为 {current}，而当前 vidswap 需要 {head}。请先运行 `vidswap db upgrade`。",
    }


class DatabaseUnreachableError(ServiceUnavailableError):
    code = "database_unreachable"
    messages = {
        "en": "Cannot connect to the database {url}: {detail}. Check that the database server is running and that VIDSWAP_DATABASE_URL is correct.",
        "zh-CN": "无法连接数据库 {url}：{detail}。请确认数据库服务器正在运行，且 VIDSWAP_DATABASE_URL 正确。",
    }


class DatabaseFileNotFoundError(BadInputError):
    code = "database_file_not_found"
    messages = {
        "en": "The database file {path} does not exist. Set VIDSWAP_DATA_DIR to the folder given to `vidswap serve --data-dir`, or VIDSWAP_DATABASE_URL to the database. To start a new one, run `vidswap db upgrade`.",
        "zh-CN": "数据库文件 {path} 不存在。请将 VIDSWAP_DATA_DIR 设为传给 `vidswap serve --data-dir` 的目录，或将 VIDSWAP_DATABASE_URL 设为该数据库。要新建数据库，请运行 `vidswap db upgrade`。",
    }


def check_database_current(database_url: str) -> None:
    """Raise unless the database exists, is reachable and is migrated to the newest revision.

    The API, gRPC, worker and admin commands call this instead of migrating, so that
    in a scaled-out set-up only ``vidswap db upgrade`` changes the schema. A missing
    SQLite file raises ``DatabaseFileNotFoundError`` before SQLite would create an
    empty one.
    """
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    display_url = make_url(database_url).render_as_string(hide_password=True)
    sqlite_path = _sqlite_file(database_url)
    if sqlite_path is not None and not sqlite_path.is_file():
        raise DatabaseFileNotFoundError(path=sqlite_path.absolute())
    current = current_revision(database_url)
    if current != head:
        raise DatabaseNotMigratedError(url=display_url, current=current or "empty", head=head)


def current_revision(database_url: str) -> str | None:
    """Return the database's Alembic revision, or None when it has none.

    Raises ``DatabaseUnreachableError`` when the database cannot be opened. Like
    every connection, this creates a missing SQLite file.
    """
    try:
        return asyncio.run(_current_revision(database_url))
    except (OSError, SQLAlchemyError) as exc:
        display_url = make_url(database_url).render_as_string(hide_password=True)
        detail = str(exc).splitlines()[0].rstrip(".")
        raise DatabaseUnreachableError(url=display_url, detail=detail) from exc


def _sqlite_file(database_url: str) -> Path | None:
    """Return the file path of an SQLite URL, or None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):  # a URI filename, whose form SQLite parses itself
        return None
    return Path(url.database)


async def _current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
