"""The fixed-window rate limiter, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from vidswap.kit.errors import TooManyRequestsError
from vidswap.kit.ratelimit import RateLimiter, Rule, window_start
from vidswap.kit.ratelimit_models import RateLimitWindow
from vidswap.runtime import Runtime

NOON = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)


async def stored_hits(runtime: Runtime, key: str) -> list[int]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(select(RateLimitWindow).where(RateLimitWindow.key == key))
        return [row.hits for row in rows]


async def test_hits_counted_up_to_limit(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker)
    rule = Rule("test.count", limit=3, window_seconds=60)
    counts = [await limiter.hit(rule, "alice", now=NOON + timedelta(seconds=i)) for i in range(3)]
    assert counts == [1, 2, 3]
    assert await stored_hits(db_runtime, "test.count:alice") == [3]


async def test_hit_over_limit_rejected_with_retry_after(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker)
    rule = Rule("test.limit", limit=2, window_seconds=60)
    await limiter.hit(rule, "bob", now=NOON)
    await limiter.hit(rule, "bob", now=NOON + timedelta(seconds=5))
    with pytest.raises(TooManyRequestsError) as caught:
        await limiter.hit(rule, "bob", now=NOON + timedelta(seconds=20))
    assert caught.value.retry_after == 40
    assert caught.value.code == "too_many_requests"
    assert "40" in caught.value.message("en")


async def test_new_window_starts_fresh(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker)
    rule = Rule("test.window", limit=1, window_seconds=60)
    await limiter.hit(rule, "carol", now=NOON + timedelta(seconds=59))
    assert await limiter.hit(rule, "carol", now=NOON + timedelta(seconds=60)) == 1
    assert sorted(await stored_hits(db_runtime, "test.window:carol")) == [1, 1]


async def test_keys_counted_separately(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker)
    rule = Rule("test.keys", limit=1, window_seconds=3600)
    await limiter.hit(rule, "dave", now=NOON)
    assert await limiter.hit(rule, "erin", now=NOON) == 1
    other_rule = Rule("test.other", limit=1, window_seconds=3600)
    assert await limiter.hit(other_rule, "dave", now=NOON) == 1


async def test_concurrent_hits_all_counted(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker)
    rule = Rule("test.concurrent", limit=100, window_seconds=3600)
    counts = await asyncio.gather(*(limiter.hit(rule, "frank", now=NOON) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))
    assert await stored_hits(db_runtime, "test.concurrent:frank") == [20]


async def test_purge_deletes_old_windows(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker)
    rule = Rule("test.purge", limit=5, window_seconds=60)
    await limiter.hit(rule, "gina", now=NOON - timedelta(hours=2))
    await limiter.hit(rule, "gina", now=NOON)
    assert await limiter.purge(older_than=NOON - timedelta(hours=1)) == 1
    assert await stored_hits(db_runtime, "test.purge:gina") == [1]


async def test_old_windows_purged_while_counting(db_runtime: Runtime) -> None:
    limiter = RateLimiter(db_runtime.sessionmaker, purge_every=1)
    rule = Rule("test.auto", limit=5, window_seconds=60)
    await limiter.hit(rule, "hana", now=NOON - timedelta(days=3))
    await limiter.hit(rule, "hana", now=NOON - timedelta(hours=1))
    await limiter.hit(rule, "hana", now=NOON)
    assert await stored_hits(db_runtime, "test.auto:hana") == [1, 1]


def test_rule_window_bounded() -> None:
    with pytest.raises(ValueError, match="test.week"):
        Rule("test.week", limit=1, window_seconds=7 * 86400)


def test_window_start_aligned_to_epoch() -> None:
    assert window_start(NOON + timedelta(seconds=59), 60) == NOON
    assert window_start(NOON + timedelta(minutes=59), 3600) == NOON
    assert window_start(NOON, 86400) == datetime(2026, 12, 4, tzinfo=UTC)
