"""``vidswap app``: the Flet web client alone, against a REST API elsewhere."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import click
import structlog
from fastapi import FastAPI

from vidswap.api.webapp import (
    WebAppSettings,
    build_web_app,
    export_client_environment,
    flet_sessions,
    load_entry,
    origin_of,
    resolve_font,
)
from vidswap.kit.errors import BadInputError, VidswapError
from vidswap.kit.i18n import localize, system_locale
from vidswap.kit.logging import configure_logging
from vidswap.kit.settings import load_settings

log = structlog.get_logger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_PORT = 8550

_TEXT = {
    "serving": {
        "en": "The vidswap web app is running at http://{host}:{port}/ and calls the API at {api_url}. Press Ctrl-C to stop.",
        "zh-CN": "vidswap 网页版已在 http://{host}:{port}/ 运行，调用 {api_url} 的 API。按 Ctrl-C 停止。",
    },
}


class ClientNotInstalledError(BadInputError):
    code = "client_not_installed"
    messages = {
        "en": "The client app ({entry}) or Flet is not installed. Install it with: pip install -e ./client",
        "zh-CN": "未安装客户端应用（{entry}）或 Flet。请运行：pip install -e ./client",
    }


class InvalidApiUrlError(BadInputError):
    code = "invalid_api_url"
    messages = {
        "en": "Invalid --api-url {url}: expected an http:// or https:// URL such as {example}.",
        "zh-CN": "--api-url {url} 无效：应为 http:// 或 https:// 开头的地址，例如 {example}。",
    }


@click.command(name="app")
@click.option(
    "--api-url",
    default=None,
    help=f"Base URL of the vidswap REST API that the app calls "
    f"[default: $VIDSWAP_APP_API_URL, else {DEFAULT_API_URL}].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="HTTP port.")
def app_command(api_url: str | None, host: str, port: int) -> None:
    """Run the web app alone, against the REST API at --api-url."""
    from vidswap.commands.service import _check_port_free, _fail

    try:
        settings = load_settings()
        configure_logging(level=settings.log_level, json=settings.log_json)
        with tempfile.TemporaryDirectory(prefix="vidswap-app-uploads-") as upload_dir:
            app = _build_app(api_url, Path(upload_dir), settings.max_video_bytes)
            _check_port_free(host, port)
            click.echo(_say("serving", host=host, port=port, api_url=_api_url(api_url)), err=True)
            _run(app, host, port)
    except VidswapError as error:
        _fail(error)


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


def _api_url(option: str | None) -> str:
    """Return --api-url, else $VIDSWAP_APP_API_URL, else DEFAULT_API_URL, without a trailing /."""
    url = (option or WebAppSettings().api_url or DEFAULT_API_URL).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidApiUrlError(url=url, example=DEFAULT_API_URL)
    return url


def _build_app(api_url: str | None, upload_dir: Path, max_upload_bytes: int) -> FastAPI:
    """Build the FastAPI app that serves the web client at ``/``."""
    app_settings = WebAppSettings()
    main = load_entry(app_settings.entry)
    if main is None:
        raise ClientNotInstalledError(entry=app_settings.entry)
    url = _api_url(api_url)

    export_client_environment(url, upload_dir)
    web_app = build_web_app(
        main,
        font=resolve_font(app_settings.font),
        upload_dir=upload_dir,
        # Upload links live as long as this process, so a random key is enough.
        upload_secret_key=secrets.token_hex(32),
        max_upload_bytes=max_upload_bytes,
        # The browser loads avatars, thumbnails and results straight from the API.
        extra_origins=[origin_of(url)],
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with flet_sessions():
            yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/", web_app)
    return app


def _run(app: FastAPI, host: str, port: int) -> None:
    import uvicorn

    log.info("webapp.starting", host=host, port=port)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    log.info("webapp.stopped")
