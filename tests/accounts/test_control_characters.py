"""Emails and sign-in names with control characters get a 400 on every database.

PostgreSQL text cannot contain NUL, so such a value must be rejected before it
reaches a query.
"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from vidswap.accounts.models import User
from vidswap.runtime import Runtime

PASSWORD = "correct horse battery"


async def count_users(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(User)) or 0


async def test_register_email_with_nul(db_client: httpx.AsyncClient, db_runtime: Runtime) -> None:
    response = await db_client.post(
        "/api/v1/auth/register", json={"email": "a\x00b@example.com", "password": PASSWORD}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_email"
    assert "'a\\x00b@example.com'" in body["message"]
    assert await count_users(db_runtime) == 0


async def test_register_email_with_newline(db_client: httpx.AsyncClient) -> None:
    response = await db_client.post(
        "/api/v1/auth/register",
        json={"email": "ada@exam\nple.com", "password": PASSWORD},
        headers={"Accept-Language": "zh-CN"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_email"
    assert "不是有效的电子邮箱地址" in response.json()["message"]


async def test_password_login_account_with_nul(db_client: httpx.AsyncClient) -> None:
    response = await db_client.post(
        "/api/v1/auth/login/password",
        json={"account": "ada\x00@example.com", "password": PASSWORD},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_account"
    assert "'ada\\x00@example.com'" in body["message"]


async def test_plain_email_still_registers(db_client: httpx.AsyncClient) -> None:
    response = await db_client.post(
        "/api/v1/auth/register", json={"email": "Ada@Example.com", "password": PASSWORD}
    )

    assert response.status_code == 201
    assert response.json()["user"]["email"] == "ada@example.com"
