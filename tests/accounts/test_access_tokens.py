"""Access tokens on a protected endpoint: valid, forged, expired, malformed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
import pytest

from tests.conftest import auth_headers, create_user
from vidswap.accounts.tokens import ALGORITHM, ISSUER, issue_access_token
from vidswap.kit.clock import utcnow
from vidswap.runtime import Runtime

ME = "/api/v1/users/me"


def claims(user_id: str, **changes: object) -> dict[str, object]:
    now = utcnow()
    values: dict[str, object] = {
        "sub": user_id,
        "typ": "access",
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "test",
    }
    values.update(changes)
    return values


async def test_valid_token_accepted(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    response = await client.get(ME, headers=auth_headers(runtime, user))
    assert response.status_code == 200
    assert response.json()["id"] == user.id


async def test_token_signed_with_other_key(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    forged = issue_access_token(user.id, key="another-key-" + "x" * 40, minutes=5)
    response = await client.get(ME, headers={"Authorization": f"Bearer {forged.token}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert "signature does not match" in response.json()["message"]


async def test_unsigned_token_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    token = jwt.encode(claims(user.id), key=None, algorithm="none")
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_expired_token(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    past = utcnow() - timedelta(minutes=30)
    token = jwt.encode(
        claims(user.id, iat=past, exp=past + timedelta(minutes=15)),
        runtime.settings.signing_key,
        algorithm=ALGORITHM,
    )
    response = await client.get(
        ME, headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "token_expired"
    assert "已过期" in response.json()["message"]


async def test_token_of_wrong_type(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    token = jwt.encode(
        claims(user.id, typ="refresh"), runtime.settings.signing_key, algorithm=ALGORITHM
    )
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "it is not an access token" in response.json()["message"]


@pytest.mark.parametrize("header", ["Bearer not.a.jwt", "Bearer abc", "Bearer a.b.c.d"])
async def test_malformed_token(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_missing_bearer(client: httpx.AsyncClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert "Authorization: Bearer" in response.json()["message"]


async def test_malformed_token_message_in_chinese(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/users/me",
        headers={"Authorization": "Bearer not-a-jwt", "Accept-Language": "zh-CN"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.json()["message"] == "访问令牌无效：格式不正确。请重新登录。"
