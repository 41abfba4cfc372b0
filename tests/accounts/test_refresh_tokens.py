"""Refresh-token rotation, reuse detection and sign-out, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from tests.accounts.helpers import age_sms_codes, bearer, sign_in_by_sms
from vidswap.accounts.models import RefreshToken
from vidswap.accounts.refresh import find_live_token
from vidswap.kit.clock import utcnow
from vidswap.runtime import Runtime

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"
SESSION_ENDED = (
    "The access token is invalid: its sign-in was ended by a sign-out or a reused "
    "refresh token. Sign in again."
)
SESSION_ENDED_ZH = "访问令牌无效：它所属的登录已因退出登录或刷新令牌被重复使用而终止。请重新登录。"


async def token_rows(runtime: Runtime, user_id: str) -> list[RefreshToken]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(RefreshToken)
            .where(RefreshToken.user_id == user_id)
            .order_by(RefreshToken.created_at)
        )
        return list(rows)


async def test_token_stored_as_sha256(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    tokens = await sign_in_by_sms(db_client)
    [row] = await token_rows(db_runtime, tokens["user"]["id"])
    assert row.token_hash == hashlib.sha256(tokens["refresh_token"].encode()).hexdigest()
    assert row.expires_at - row.created_at == timedelta(days=30)
    assert row.used_at is None
    assert row.revoked_at is None


async def test_refresh_rotates_in_family(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    tokens = await sign_in_by_sms(db_client)
    response = await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["user"]["id"] == tokens["user"]["id"]
    assert (await db_client.get("/api/v1/users/me", headers=bearer(rotated))).status_code == 200

    old, new = await token_rows(db_runtime, tokens["user"]["id"])
    assert old.used_at is not None
    assert new.used_at is None
    assert old.family_id == new.family_id

    again = await db_client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 200


async def test_reuse_revokes_family(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    tokens = await sign_in_by_sms(db_client)
    rotated = (
        await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    ).json()

    reused = await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"] == "refresh_token_reused"

    rows = await token_rows(db_runtime, tokens["user"]["id"])
    assert all(row.revoked_at is not None for row in rows)
    newest = await db_client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert newest.status_code == 401
    assert newest.json()["error"] == "refresh_token_invalid"


async def test_reuse_spares_other_sign_ins(
    db_client: httpx.AsyncClient, db_runtime: Runtime
) -> None:
    first = await sign_in_by_sms(db_client)
    await age_sms_codes(db_runtime, first["user"]["phone"], 61)
    second = await sign_in_by_sms(db_client, first["user"]["phone"])
    await db_client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    await db_client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    response = await db_client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
    assert response.status_code == 200


async def test_reuse_ends_access_tokens(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    tokens = await sign_in_by_sms(db_client)
    await age_sms_codes(db_runtime, tokens["user"]["phone"], 61)
    other = await sign_in_by_sms(db_client, tokens["user"]["phone"])
    rotated = (
        await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    ).json()
    assert (await db_client.get(ME, headers=bearer(rotated))).status_code == 200

    reused = await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert reused.json()["error"] == "refresh_token_reused"

    for issued in (tokens, rotated):
        english = await db_client.get(ME, headers=bearer(issued))
        chinese = await db_client.get(ME, headers={**bearer(issued), "Accept-Language": "zh-CN"})
        assert english.status_code == 401
        assert english.json()["error"] == "invalid_token"
        assert english.json()["message"] == SESSION_ENDED
        assert chinese.status_code == 401
        assert chinese.json()["message"] == SESSION_ENDED_ZH
    assert (await db_client.get(ME, headers=bearer(other))).status_code == 200


async def test_concurrent_refresh_only_one_wins(
    db_client: httpx.AsyncClient, db_runtime: Runtime
) -> None:
    db_runtime.settings.auth_rate_per_minute = 10000
    db_runtime.settings.sms_ip_hourly = 10000
    for _ in range(30):
        tokens = await sign_in_by_sms(db_client)
        body = {"refresh_token": tokens["refresh_token"]}
        responses = await asyncio.gather(*(db_client.post(REFRESH, json=body) for _ in range(5)))
        statuses = sorted(response.status_code for response in responses)
        # The others get 401, never a 500 from a PostgreSQL deadlock on the family's rows.
        assert statuses.count(200) <= 1
        assert statuses.count(401) >= 4, statuses


async def test_live_token_read_locks_row(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    # Concurrent refreshes of one token wait for its row before they update the
    # rest of the family, because updating the family in different orders deadlocks.
    if db_runtime.settings.is_sqlite:
        pytest.skip("SQLite locks the whole database file; the row lock is PostgreSQL's")
    tokens = await sign_in_by_sms(db_client)
    token_hash = hashlib.sha256(tokens["refresh_token"].encode()).hexdigest()
    lock_row = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    async with db_runtime.sessionmaker() as first, db_runtime.sessionmaker() as second:
        await find_live_token(first, tokens["refresh_token"])
        with pytest.raises(DBAPIError, match="could not obtain lock"):
            await second.execute(lock_row.with_for_update(nowait=True))
        await second.rollback()
        await first.rollback()
        assert (await second.execute(lock_row.with_for_update(nowait=True))).scalar_one()


async def test_expired_refresh_token(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    tokens = await sign_in_by_sms(db_client)
    async with db_runtime.sessionmaker() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == tokens["user"]["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    response = await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    assert response.json()["error"] == "refresh_token_expired"


async def test_unknown_refresh_token(db_client: httpx.AsyncClient) -> None:
    response = await db_client.post(REFRESH, json={"refresh_token": "not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"] == "refresh_token_invalid"
    assert "unknown token" in response.json()["message"]


async def test_logout_revokes_family(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    tokens = await sign_in_by_sms(db_client)
    rotated = (
        await db_client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    ).json()
    response = await db_client.post(
        LOGOUT, json={"refresh_token": rotated["refresh_token"]}, headers=bearer(rotated)
    )
    assert response.status_code == 204
    rows = await token_rows(db_runtime, tokens["user"]["id"])
    assert len(rows) == 2
    assert all(row.revoked_at is not None for row in rows)
    after = await db_client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["error"] == "refresh_token_invalid"
    for issued in (tokens, rotated):
        me = await db_client.get(ME, headers=bearer(issued))
        assert me.status_code == 401
        assert me.json()["message"] == SESSION_ENDED


async def test_logout_needs_access_token(db_client: httpx.AsyncClient) -> None:
    tokens = await sign_in_by_sms(db_client)
    response = await db_client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_logout_rejects_other_users_token(db_client: httpx.AsyncClient) -> None:
    alice = await sign_in_by_sms(db_client)
    bob = await sign_in_by_sms(db_client)
    response = await db_client.post(
        LOGOUT, json={"refresh_token": bob["refresh_token"]}, headers=bearer(alice)
    )
    assert response.status_code == 401
    assert response.json()["error"] == "refresh_token_invalid"
    still = await db_client.post(REFRESH, json={"refresh_token": bob["refresh_token"]})
    assert still.status_code == 200
