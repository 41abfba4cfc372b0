"""The shared services of one process: database, storage, queue and event bus.

The API, the worker and ``vidswap serve`` each build one ``Runtime`` from the
settings and close it on the way out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from vidswap.accounts.social.registry import SocialProviders
from vidswap.billing.registry import Providers
from vidswap.kit.db import create_engine, create_sessionmaker
from vidswap.kit.errors import ServiceUnavailableError
from vidswap.kit.settings import Settings, SettingsError
from vidswap.media.storage import Storage
from vidswap.notifications import fcm
from vidswap.notifications.bus import DatabaseEventBus, RedisEventBus, build_event_bus
from vidswap.notifications.fcm import FcmSender
from vidswap.worker.queue import TaskQueue

log = structlog.get_logger(__name__)

REDIS_CHECK_TIMEOUT_SECONDS = 5.0


class RedisUnreachableError(ServiceUnavailableError):
    code = "redis_unreachable"
    messages = {
        "en": "Cannot connect to Redis at {url}: {detail}. Check that Redis is running and that VIDSWAP_REDIS_URL is correct.",
        "zh-CN": "无法连接 Redis {url}：{detail}。请确认 Redis 正在运行，且 VIDSWAP_REDIS_URL 正确。",
    }


def check_providers(settings: Settings) -> None:
    """Build the payment, sign-in and push providers once, so a provider configured only
    in part stops a command at start with ``SettingsError`` naming the variable."""
    payments = Providers.from_settings(settings)
    social = SocialProviders.from_settings(settings)
    fcm.from_settings(settings)
    called_back = [name for name in payments.names if name != "sandbox"]
    called_back += [provider.name for provider in social.all() if provider.browser]
    if settings.environment == "production" and not settings.public_url and called_back:
        raise SettingsError(
            name="VIDSWAP_PUBLIC_URL",
            detail=f"{', '.join(called_back)} send users and callbacks back to the API; "
            "set it to the address they reach the API at, e.g. https://api.example.com",
        )


def check_redis(settings: Settings) -> None:
    """Raise ``RedisUnreachableError`` unless the server at ``VIDSWAP_REDIS_URL`` replies
    to PING within ``REDIS_CHECK_TIMEOUT_SECONDS``. Does nothing when Redis is not set."""
    if not settings.redis_url:
        return
    import redis
    from redis.exceptions import RedisError

    client = redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_CHECK_TIMEOUT_SECONDS,
        socket_timeout=REDIS_CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        detail = str(exc).splitlines()[0].rstrip(".")
        raise RedisUnreachableError(url=redact_url(settings.redis_url), detail=detail) from exc
    finally:
        client.close()


def redact_url(url: str) -> str:
    """Return ``url`` with its password, if any, replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    storage: Storage
    queue: TaskQueue
    events: DatabaseEventBus | RedisEventBus
    payments: Providers
    social: SocialProviders
    push: FcmSender | None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        payments = Providers.from_settings(settings)  # a half-configured provider stops here
        social = SocialProviders.from_settings(settings)
        push = fcm.from_settings(settings)
        settings.ensure_data_dir()
        engine = create_engine(settings.resolved_database_url)
        sessionmaker = create_sessionmaker(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            storage=build_storage(settings),
            queue=TaskQueue(settings),
            events=build_event_bus(settings, sessionmaker),
            payments=payments,
            social=social,
            push=push,
        )

    async def start(self) -> None:
        """Start background work of the API process (event bus listeners)."""
        await self.events.start()

    async def stop(self) -> None:
        """Stop what ``start`` started."""
        await self.events.stop()

    async def close(self) -> None:
        self.queue.close()
        if isinstance(self.events, RedisEventBus):
            self.events.close()
        await self.engine.dispose()

    def readiness_checks(self) -> dict[str, Callable[[], None]]:
        """Blocking checks that raise when a part cannot be reached, by name."""
        return {"storage": self.storage.check, "queue": self.queue.check}

    async def refresh_metrics(self) -> None:
        """Update the gauges that are read from the database at scrape time."""
        from vidswap.jobs.models import TaskStatus
        from vidswap.jobs.repository import count_by_status
        from vidswap.worker.metrics import QUEUE_DEPTH, TASKS_BY_STATUS

        async with self.sessionmaker() as session:
            counts = await count_by_status(session)
        for status in (TaskStatus.PENDING, TaskStatus.PROCESSING, *sorted(TaskStatus.FINAL)):
            TASKS_BY_STATUS.labels(status).set(counts.get(status, 0))
        # A queue failure is reported by /readyz, so /metrics still responds.
        try:
            QUEUE_DEPTH.set(await asyncio.to_thread(self.queue.depth))
        except ServiceUnavailableError as exc:
            log.warning("metrics.queue_depth_failed", error=exc.code)


def build_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        from vidswap.media.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from vidswap.media.storage.local import LocalStorage

    return LocalStorage(settings.data_dir / "files")
