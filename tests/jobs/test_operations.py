"""Task gauges in /metrics and the queue in /readyz."""

from __future__ import annotations

import httpx

from tests.conftest import auth_headers, create_user
from tests.jobs.uploads import task_request
from vidswap.runtime import Runtime


async def test_metrics_count_tasks_and_queue(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    for _ in range(2):
        body = await task_request(runtime, user)
        await client.post("/api/v1/tasks", json=body, headers=auth_headers(runtime, user))

    response = await client.get("/metrics")

    assert 'vidswap_tasks{status="pending"} 2.0' in response.text
    assert 'vidswap_tasks{status="completed"} 0.0' in response.text
    assert "vidswap_queue_depth 2.0" in response.text


async def test_readyz_checks_queue(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["queue"] == "ok"
