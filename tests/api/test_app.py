"""The assembled app: operations endpoints, error format and body limits."""

from __future__ import annotations

import httpx


async def test_healthz_returns_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_database_and_storage(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["storage"] == "ok"


async def test_unknown_path_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found"
    assert "/api/v1/nothing-here" in body["message"]
    assert "接口不存在" in body["message"]


async def test_request_id_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_oversized_json_rejected(client: httpx.AsyncClient, runtime) -> None:
    limit = runtime.settings.max_json_bytes
    response = await client.post(
        "/api/v1/auth/sms-codes",
        content=b'{"phone": "' + b"1" * (limit + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert str(limit) in response.json()["message"]


async def test_metrics_exposes_request_counter(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert (
        'vidswap_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text
    )


async def test_cors_allows_configured_origin(tmp_path) -> None:
    from tests.conftest import make_settings
    from vidswap.api.app import create_app
    from vidswap.kit.migrate import upgrade_database
    from vidswap.runtime import Runtime

    settings = make_settings(tmp_path / "data", cors_origins=["https://app.example.com"])
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    runtime = Runtime.build(settings)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            allowed = await client.options(
                "/api/v1/tasks",
                headers={
                    "Origin": "https://app.example.com",
                    "Access-Control-Request-Method": "POST",
                },
            )
            other = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    finally:
        await runtime.close()
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in other.headers
