"""Per-address and per-account limits on sign-in, sign-up and refresh."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import httpx
import pytest

from vidswap.api.app import create_app
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

LOGIN = "/api/v1/auth/login/password"
REGISTER = "/api/v1/auth/register"
REFRESH = "/api/v1/auth/refresh"

ClientFactory = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_from(settings: Settings, runtime: Runtime) -> AsyncIterator[ClientFactory]:
    """Return a factory of clients that reach the app from a given IP address."""
    runtime.settings.auth_rate_per_minute = 3
    # The limits count per clock minute, so a test crossing into the next minute would
    # start counting again. Each test therefore starts early in a minute.
    second = time.time() % 60
    if second > 50:
        await asyncio.sleep(60.5 - second)
    app = create_app(settings, runtime)
    async with AsyncExitStack() as stack:

        def make(ip: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(ip, 40000))
            client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")
            stack.push_async_callback(client.aclose)
            return client

        yield make


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_requests"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert str(retry_after) in response.json()["message"]


async def test_login_limited_per_account(client_from: ClientFactory) -> None:
    body = {"account": "fa@example.com", "password": "x" * 8}
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert (await client_from(ip).post(LOGIN, json=body)).status_code == 401
    assert_limited(await client_from("10.0.0.4").post(LOGIN, json=body))


async def test_login_limited_per_address(client_from: ClientFactory) -> None:
    client = client_from("10.0.1.1")
    for name in ("ga", "ha", "ia"):
        body = {"account": f"{name}@example.com", "password": "x" * 8}
        assert (await client.post(LOGIN, json=body)).status_code == 401
    assert_limited(
        await client.post(LOGIN, json={"account": "ja@example.com", "password": "x" * 8})
    )
    other = await client_from("10.0.1.2").post(
        LOGIN, json={"account": "ja@example.com", "password": "x" * 8}
    )
    assert other.status_code == 401


async def test_register_limited_per_address(client_from: ClientFactory) -> None:
    client = client_from("10.0.2.1")
    for name in ("ka", "la", "ma"):
        body = {"email": f"{name}@example.com", "password": "long enough"}
        assert (await client.post(REGISTER, json=body)).status_code == 201
    limited = await client.post(
        REGISTER, json={"email": "na@example.com", "password": "long enough"}
    )
    assert_limited(limited)


async def test_refresh_limited_per_address(client_from: ClientFactory) -> None:
    client = client_from("10.0.3.1")
    for _ in range(3):
        response = await client.post(REFRESH, json={"refresh_token": "unknown-token"})
        assert response.status_code == 401
    assert_limited(await client.post(REFRESH, json={"refresh_token": "unknown-token"}))
