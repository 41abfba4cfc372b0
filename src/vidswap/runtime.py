"""The shared services of one process: database, storage, queue and event bus.

The API, the worker and ``vidswap serve`` each build one ``Runtime`` from the
settings and close it on the way out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vidswap.kit.db import create_engine, create_sessionmaker
from vidswap.kit.settings import Settings
from vidswap.media.storage import Storage


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    storage: Storage

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.ensure_data_dir()
        engine = create_engine(settings.resolved_database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            storage=build_storage(settings),
        )

    async def start(self) -> None:
        """Start background work of the API process (event bus listeners)."""

    async def stop(self) -> None:
        """Stop what ``start`` started."""

    async def close(self) -> None:
        await self.engine.dispose()

    def readiness_checks(self) -> dict[str, Callable[[], None]]:
        """Blocking checks that raise when a part cannot be reached, by name."""
        return {"storage": self.storage.check}

    async def refresh_metrics(self) -> None:
        """Update the gauges that are read from the database at scrape time."""


def build_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        from vidswap.media.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from vidswap.media.storage.local import LocalStorage

    return LocalStorage(settings.data_dir / "files")
