"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from vidswap.api.deps import RuntimeDep

log = structlog.get_logger(__name__)
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database, queue and storage answer")
async def readyz(runtime: RuntimeDep, response: Response) -> dict[str, object]:
    checks: dict[str, str] = {}
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        log.warning("readyz.database_failed", error=str(exc))
        checks["database"] = f"failed: {type(exc).__name__}"
    for name, check in runtime.readiness_checks().items():
        try:
            await asyncio.to_thread(check)
            checks[name] = "ok"
        except Exception as exc:  # reported, not raised: readiness lists every part
            log.warning("readyz.check_failed", check=name, error=str(exc))
            checks[name] = f"failed: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    response.status_code = 200 if ready else 503
    return {"status": "ok" if ready else "unavailable", "checks": checks}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(runtime: RuntimeDep) -> Response:
    await runtime.refresh_metrics()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
