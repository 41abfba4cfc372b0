"""Database migrations through Alembic, with the scripts shipped inside the package."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

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
