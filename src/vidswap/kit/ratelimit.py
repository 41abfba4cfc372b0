"""A fixed-window rate limiter stored in the ``rate_limit_windows`` table.

Each hit is one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on
SQLite (3.35 or newer) and PostgreSQL, so every API process sharing the database
counts against the same windows. A window starts at a multiple of its length
since the Unix epoch. Like any fixed-window limiter, it lets up to twice the limit
through around a window boundary.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vidswap.kit.clock import utcnow
from vidswap.kit.db import execute_count, transaction
from vidswap.kit.errors import TooManyRequestsError
from vidswap.kit.ratelimit_models import RateLimitWindow

log = structlog.get_logger(__name__)

MAX_KEY_LENGTH = 200
MAX_WINDOW_SECONDS = 86400
# Windows older than this are deleted now and then; it must exceed the longest window.
RETENTION = timedelta(seconds=2 * MAX_WINDOW_SECONDS)
PURGE_EVERY = 1000

# Hits counted by this process, shared by every limiter so a purge runs every
# PURGE_EVERY hits even though limiters are built per request.
_process_hits = itertools.count(1)


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` hits per ``window_seconds`` for one key."""

    name: str
    limit: int
    window_seconds: int

    def __post_init__(self) -> None:
        if not 0 < self.window_seconds <= MAX_WINDOW_SECONDS:
            raise ValueError(
                f"rule {self.name}: window_seconds must be between 1 and {MAX_WINDOW_SECONDS}, "
                f"got {self.window_seconds}"
            )


def window_start(now: datetime, window_seconds: int) -> datetime:
    """Return the start of the fixed window that contains ``now``."""
    epoch_seconds = int(now.timestamp())
    start = epoch_seconds - epoch_seconds % window_seconds
    return datetime.fromtimestamp(start, UTC)


def seconds_left(now: datetime, start: datetime, window_seconds: int) -> int:
    """Return the whole seconds from ``now`` until the window that began at ``start`` ends."""
    end = start + timedelta(seconds=window_seconds)
    return max(1, math.ceil((end - now).total_seconds()))


class RateLimiter:
    """Count hits per key and raise ``TooManyRequestsError`` once a rule's limit is passed.

    Hits are committed in their own transaction, so a request that fails afterwards
    (a wrong password, say) still counts.
    """

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, purge_every: int = PURGE_EVERY
    ) -> None:
        self.sessionmaker = sessionmaker
        self.purge_every = purge_every

    async def hit(self, rule: Rule, subject: str, *, now: datetime | None = None) -> int:
        """Count one hit of ``subject`` under ``rule`` and return the hits in this window.

        Raises ``TooManyRequestsError`` with the seconds left in the window when the
        count passes the limit. The rejected hit is counted too.
        """
        now = now or utcnow()
        key = f"{rule.name}:{subject}"[:MAX_KEY_LENGTH]
        start = window_start(now, rule.window_seconds)
        async with transaction(self.sessionmaker) as session:
            hits = await increment(session, key, start)
        if next(_process_hits) % self.purge_every == 0:
            purged = await self.purge(older_than=now - RETENTION)
            log.info("ratelimit.purged", windows=purged)
        if hits > rule.limit:
            retry_after = seconds_left(now, start, rule.window_seconds)
            log.info("ratelimit.rejected", rule=rule.name, hits=hits, retry_after=retry_after)
            raise TooManyRequestsError(retry_after=retry_after)
        return hits

    async def purge(self, *, older_than: datetime) -> int:
        """Delete windows that started before ``older_than``; return how many were deleted."""
        async with transaction(self.sessionmaker) as session:
            count = await execute_count(
                session, delete(RateLimitWindow).where(RateLimitWindow.window_start < older_than)
            )
        return count


async def increment(session: AsyncSession, key: str, start: datetime) -> int:
    """Add one to the window ``(key, start)``, creating it at 1; return the new count."""
    dialect = session.bind.dialect.name if session.bind is not None else ""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = (
        insert(RateLimitWindow)
        .values(key=key, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
            set_={"hits": RateLimitWindow.hits + 1},
        )
        .returning(RateLimitWindow.hits)
    )
    result = await session.execute(upsert)
    return int(result.scalar_one())
