"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Literal

import structlog
from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from vidswap.api.deps import RuntimeDep

log = structlog.get_logger(__name__)
router = APIRouter(tags=["operations"])


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "ok", "checks": {"database": "ok", "storage": "ok", "queue": "ok"}},
                {
                    "status": "unavailable",
                    "checks": {"database": "failed: OperationalError", "storage": "ok"},
                },
            ]
        }
    )

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(description="Each part: ok, or failed with the error type.")


@router.get("/healthz", summary="Liveness: the process answers", response_model=Health)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database, queue and storage answer",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A check failed; see `checks`."}},
)
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


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus text format.", "content": {"text/plain": {}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    await runtime.refresh_metrics()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
