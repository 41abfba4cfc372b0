"""``create_app``: the FastAPI application with every business area's router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from vidswap import __version__
from vidswap.accounts.endpoints import router as accounts_router
from vidswap.accounts.social.endpoints import router as social_router
from vidswap.accounts.social.link_endpoints import router as identity_links_router
from vidswap.api.docs import install_docs
from vidswap.api.errors import install_error_handlers
from vidswap.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from vidswap.api.openapi import install_openapi
from vidswap.api.ops import router as ops_router
from vidswap.api.webapp import APP_PATH, flet_sessions, web_app_for_service
from vidswap.billing.admin import router as admin_router
from vidswap.billing.endpoints import router as billing_router
from vidswap.jobs.endpoints import router as jobs_router
from vidswap.kit.settings import Settings
from vidswap.media.endpoints import router as media_router
from vidswap.notifications.device_endpoints import router as devices_router
from vidswap.notifications.endpoints import router as notifications_router
from vidswap.runtime import Runtime

API_PREFIX = "/api/v1"
# Upload endpoints stream their bodies and apply per-kind size limits themselves.
STREAMED_PATHS = (f"{API_PREFIX}/uploads",)
# The web client's file picker uploads here; Flet applies the video size limit.
WEB_UPLOAD_PATH = f"{APP_PATH}/upload"
# OpenAPI has no WebSocket operations, so the event stream is described here.
API_DESCRIPTION = """Face-swap video service: accounts, uploads, swap tasks and their results.

**Task events (WebSocket).** `GET /api/v1/ws?token=<access token>` upgrades to a
WebSocket that sends the caller's task events as JSON text frames
`{"type": ..., "task": {...}}`. `type` is one of `task.processing`,
`task.progress`, `task.completed`, `task.failed` and `task.cancelled`, and
`task` has the fields of `GET /api/v1/tasks/{task_id}`, with `error_message`
in the language of `Accept-Language` or the `lang` query parameter (`en`,
`zh-CN`). An invalid or expired token closes the socket with code 4401 and
the reason. `docs/architecture.md` ("Tasks, queue and workers") describes how
events reach every API process.
"""
EXPOSED_HEADERS = [
    "Location",
    "Retry-After",
    "X-Request-ID",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Expires",
    "Vidswap-File-Url",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
]


def create_app(
    settings: Settings, runtime: Runtime | None = None, *, with_grpc: bool = False
) -> FastAPI:
    """Build the app. A given ``runtime`` is used as is and left open on shutdown.

    ``with_grpc`` starts the gRPC VideoService on ``settings.grpc_port`` in the
    lifespan, on the same event loop and runtime, and stops it gracefully first.
    The Flet web client is mounted at ``/app`` when its package is installed.
    """
    web_app = web_app_for_service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or Runtime.build(settings)
        await app.state.runtime.start()
        grpc_server = None
        try:
            if with_grpc:
                from vidswap.grpc.server import start_grpc_server

                grpc_server = await start_grpc_server(app.state.runtime)
            if web_app is None:
                yield
            else:
                async with flet_sessions():
                    yield
        finally:
            if grpc_server is not None:
                await grpc_server.stop(settings.grpc_shutdown_grace_seconds)
            await app.state.runtime.stop()
            if owned:
                await app.state.runtime.close()

    app = FastAPI(
        title="vidswap",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app)
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_json_bytes,
        exempt_prefixes=(*STREAMED_PATHS, WEB_UPLOAD_PATH),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
        )
    app.add_middleware(RequestContextMiddleware)

    app.include_router(ops_router)
    for router in (
        accounts_router,
        social_router,
        identity_links_router,
        media_router,
        jobs_router,
        billing_router,
        admin_router,
        notifications_router,
        devices_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    install_openapi(app, streamed_prefixes=STREAMED_PATHS)
    if web_app is not None:
        app.mount(APP_PATH, web_app, name="webapp")
    return app
