"""Error handlers: malformed bodies and values the database rejects become 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import auth_headers, create_user, make_settings
from vidswap.api.app import create_app
from vidswap.api.deps import SessionDep
from vidswap.runtime import Runtime


async def test_invalid_json_names_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["message"].startswith("Invalid request: body: invalid JSON at character 1")


async def test_invalid_json_in_chinese(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        content=b"nonsense",
        headers={"Content-Type": "application/json", "Accept-Language": "zh-CN"},
    )

    assert response.status_code == 422
    assert response.json()["message"].startswith("请求无效：body：invalid JSON at character 0")


async def test_undecodable_json_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/refresh",
        content=b'{"refresh_token": "\xe9"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_body"
    assert "could not be parsed" in body["message"]


async def test_malformed_multipart_avatar(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    headers = {
        **auth_headers(runtime, user),
        "Content-Type": "multipart/form-data; boundary=xx",
        "Accept-Language": "zh-CN",
    }

    response = await client.put("/api/v1/users/me/avatar", content=b"garbage", headers=headers)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_body"
    assert "无法解析请求体" in body["message"]
    assert "Invalid multipart data" in body["message"]


@pytest.fixture
async def postgres_client(
    postgres_database: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app on PostgreSQL with two extra routes that pass a path value
    straight to SQL, as an endpoint that forgot to validate it would."""
    settings = make_settings(tmp_path / "data", database_url=postgres_database)
    settings.ensure_data_dir()
    runtime = Runtime.build(settings)
    app = create_app(settings, runtime)

    @app.get("/probe/echo/{value}")
    async def echo(value: str, session: SessionDep) -> dict[str, str]:
        result = await session.scalar(text("SELECT CAST(:value AS text)"), {"value": value})
        return {"value": str(result)}

    @app.get("/probe/missing-table")
    async def missing_table(session: SessionDep) -> dict[str, str]:
        await session.execute(text("SELECT * FROM no_such_table"))
        return {}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as value:
        yield value
    await runtime.close()


async def test_nul_in_text_is_400(postgres_client: httpx.AsyncClient) -> None:
    response = await postgres_client.get("/probe/echo/a%00b", headers={"Accept-Language": "en"})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_value"
    assert "NUL character (U+0000)" in body["message"]


async def test_nul_in_text_in_chinese(postgres_client: httpx.AsyncClient) -> None:
    response = await postgres_client.get("/probe/echo/a%00b", headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 400
    assert "NUL 字符" in response.json()["message"]


async def test_plain_text_reaches_database(postgres_client: httpx.AsyncClient) -> None:
    response = await postgres_client.get("/probe/echo/plain")

    assert response.status_code == 200
    assert response.json() == {"value": "plain"}


async def test_other_database_errors_stay_500(postgres_client: httpx.AsyncClient) -> None:
    response = await postgres_client.get("/probe/missing-table")

    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"


async def test_validation_detail_in_chinese(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login/password",
        json={"password": "whatever-password"},
        headers={"Accept-Language": "zh-CN"},
    )

    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["message"] == "请求无效：account：缺少此字段"


async def test_validation_detail_in_english(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login/password", json={"password": "whatever-password"}
    )

    assert response.status_code == 422
    assert response.json()["message"] == "Invalid request: account: Field required"
