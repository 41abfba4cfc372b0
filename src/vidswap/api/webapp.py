"""The Flet web client, served offline from the installed ``flet-web`` package.

``vidswap serve`` mounts it at ``/app`` when the client package (``vidswap_app``)
is installed, and ``vidswap app`` serves it alone. The page loads nothing from
another host:

- Flet runs with ``no_cdn``, so CanvasKit/skwasm come from ``flet-web``'s own
  copy (flet-web 1.0.5, ``patch_index.py``).
- Flutter's web engine renders every glyph from fonts it downloads, so a CJK font
  is served as the ``Roboto`` family in ``assets/FontManifest.json``. Roboto is
  the engine's default family, so Chinese renders without the client naming a font.
- A Content-Security-Policy limits scripts, fonts, images and connections to
  this origin (plus the API origin of ``vidswap app``). flet-web 1.0.5 bundles
  the rive_native plugin, which always injects a script from cdn.jsdelivr.net at
  start-up. That URL is hard-coded in ``main.dart.js``, so the policy is what
  stops that request.

The client's Python code runs in this server process, not in the browser, and
calls the REST API at ``VIDSWAP_APP_API_URL``.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import Settings

log = structlog.get_logger(__name__)

APP_PATH = "/app"
DEFAULT_ENTRY = "vidswap_app.main:main"
# Installed by Debian's fonts-wqy-microhei (.ci/run installs it).
SYSTEM_CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# The family Flutter web draws text with when no other family is given (checked with
# flet-web 1.0.5 in Chromium on Linux). The font served under this name must also
# cover Latin text, and WenQuanYi Micro Hei does.
# NOTE: on macOS and iOS browsers Flutter's Material typography names Apple system
# families first; whether those fall back to this font there is untested.
DEFAULT_FONT_FAMILY = "Roboto"
FONT_MEDIA_TYPES = {".ttc": "font/collection", ".ttf": "font/ttf", ".otf": "font/otf"}
# The web client sends each picked file on to the REST API right after it arrives.
# A file older than this is left over from a closed page, so start-up deletes it.
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
# HMAC message that turns the service key into the key for upload links, so the
# service key itself never signs them.
UPLOAD_LINK_LABEL = b"vidswap flet upload links"

MainCallable = Callable[..., Any]
API_URL_VARIABLE = "VIDSWAP_APP_API_URL"
_exported_api_urls: set[str] = set()


class WebAppSettings(BaseSettings):
    """``VIDSWAP_APP_*`` settings of the web client."""

    model_config = SettingsConfigDict(
        env_prefix="VIDSWAP_APP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    enabled: bool = True
    # ``module:function`` of the client's entry point, called with a ``flet.Page``.
    entry: str = DEFAULT_ENTRY
    # A TrueType or OpenType font (or collection) with CJK glyphs; default: SYSTEM_CJK_FONT.
    font: Path | None = None
    # Base URL of the REST API that the client's Python code calls.
    api_url: str | None = None


class WebAppSettingError(BadInputError):
    code = "invalid_setting"
    messages = {
        "en": "Invalid setting {name}={value}: {detail}",
        "zh-CN": "配置项 {name}={value} 无效：{detail}",
    }


def load_entry(entry: str) -> MainCallable | None:
    """Import the client's ``main`` from ``module:function``.

    Returns None when Flet or the entry's package is not installed, so the API
    runs without the web app. Any other import failure is raised.
    """
    module_name, _, function_name = entry.partition(":")
    if not module_name or not function_name:
        raise WebAppSettingError(
            name="VIDSWAP_APP_ENTRY", value=entry, detail="expected module:function"
        )
    optional_packages = {module_name.split(".")[0], "flet", "flet_web"}
    try:
        importlib.import_module("flet_web.fastapi")
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in optional_packages:
            raise
        log.info("webapp.not_installed", entry=entry, missing=exc.name)
        return None
    main = getattr(module, function_name, None)
    if not callable(main):
        raise WebAppSettingError(
            name="VIDSWAP_APP_ENTRY", value=entry, detail=f"{module_name} has no {function_name}()"
        )
    return main


def resolve_font(configured: Path | None) -> Path | None:
    """Return the CJK font to serve: the configured one, else the system one, else None."""
    if configured is not None:
        if configured.suffix.lower() not in FONT_MEDIA_TYPES or not configured.is_file():
            raise WebAppSettingError(
                name="VIDSWAP_APP_FONT",
                value=str(configured),
                detail="expected an existing .ttf, .otf or .ttc file",
            )
        return configured
    if SYSTEM_CJK_FONT.is_file():
        return SYSTEM_CJK_FONT
    log.warning(
        "webapp.cjk_font_missing",
        looked_for=str(SYSTEM_CJK_FONT),
        fix="install fonts-wqy-microhei or set VIDSWAP_APP_FONT",
    )
    return None


def font_asset_name(font: Path) -> str:
    """Return the font's path under the web app's ``assets/`` folder."""
    return f"fonts/vidswap-cjk{font.suffix.lower()}"


def font_manifest(font: Path | None) -> list[dict[str, Any]]:
    """Return flet-web's ``FontManifest.json`` with the default family set to ``font``.

    Without a font this is what flet-web 1.0.5 serves with ``no_cdn``: its own
    manifest plus Roboto from ``fonts/roboto.woff2``.
    """
    from flet_web import get_package_web_dir

    manifest_path = Path(get_package_web_dir()) / "assets" / "FontManifest.json"
    manifest: list[dict[str, Any]] = json.loads(manifest_path.read_text(encoding="utf-8"))
    asset = "fonts/roboto.woff2" if font is None else font_asset_name(font)
    manifest.append({"family": DEFAULT_FONT_FAMILY, "fonts": [{"asset": asset}]})
    return manifest


def content_security_policy(extra_origins: Sequence[str] = ()) -> str:
    """Return the policy that keeps the page on this origin and ``extra_origins``.

    ``'unsafe-inline'`` allows flet-web's inline configuration scripts in
    ``index.html``. The skwasm renderer compiles WebAssembly and starts a worker
    from a blob URL, so ``'wasm-unsafe-eval'`` and ``blob:`` are allowed too.
    """
    others = " ".join(extra_origins)
    directives = {
        "default-src": "'self'",
        "script-src": "'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:",
        "worker-src": "'self' blob:",
        "style-src": "'self' 'unsafe-inline'",
        "font-src": "'self' data: blob:",
        "img-src": f"'self' data: blob: {others}",
        "media-src": f"'self' data: blob: {others}",
        "connect-src": f"'self' {others}",
        "frame-ancestors": "'self'",
        "base-uri": "'self'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Add a Content-Security-Policy header to every HTTP response of the web app."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.header = (b"content-security-policy", policy.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, send_with_policy)


def upload_secret(signing_key: str) -> str:
    """Derive the key that signs the web app's upload links from the service key."""
    return hmac.new(signing_key.encode(), UPLOAD_LINK_LABEL, hashlib.sha256).hexdigest()


def prune_uploads(upload_dir: Path, max_age_seconds: float = UPLOAD_MAX_AGE_SECONDS) -> int:
    """Delete files in ``upload_dir`` older than ``max_age_seconds``; return how many."""
    cutoff = time.time() - max_age_seconds
    removed = 0
    for path in upload_dir.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError as exc:
            log.warning("webapp.upload_prune_failed", path=str(path), error=str(exc))
    if removed:
        log.info("webapp.uploads_pruned", upload_dir=str(upload_dir), removed=removed)
    return removed


def build_web_app(
    main: MainCallable,
    *,
    font: Path | None,
    upload_dir: Path,
    upload_secret_key: str,
    max_upload_bytes: int,
    extra_origins: Sequence[str] = (),
) -> ASGIApp:
    """Build the ASGI app of the web client, for mounting at any path."""
    import flet_web.fastapi as flet_fastapi

    upload_dir.mkdir(parents=True, exist_ok=True)
    prune_uploads(upload_dir)
    flet_app = flet_fastapi.app(
        main,
        app_name="vidswap",
        app_description="vidswap face-swap videos",
        no_cdn=True,
        upload_dir=str(upload_dir),
        max_upload_size=max_upload_bytes,
        secret_key=upload_secret_key,
    )
    manifest = font_manifest(font)

    async def serve_manifest(request: Request) -> Response:
        return JSONResponse(manifest)

    routes: list[Route | Mount] = [Route("/assets/FontManifest.json", serve_manifest)]
    if font is not None:
        media_type = FONT_MEDIA_TYPES[font.suffix.lower()]

        async def serve_font(request: Request) -> Response:
            return FileResponse(font, media_type=media_type)

        routes.append(Route(f"/assets/{font_asset_name(font)}", serve_font))
    routes.append(Mount("", app=flet_app))
    return SecurityHeadersMiddleware(Router(routes=routes), content_security_policy(extra_origins))


def local_api_url(host: str, port: int) -> str:
    """Return the URL at which this process reaches its own API listening on ``host``."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def export_client_environment(api_url: str, upload_dir: Path) -> None:
    """Tell the client's ``main``, which reads ``VIDSWAP_APP_API_URL`` and
    ``FLET_UPLOAD_DIR``, where the API is and where its uploads land."""
    os.environ[API_URL_VARIABLE] = api_url
    os.environ["FLET_UPLOAD_DIR"] = str(upload_dir)
    _exported_api_urls.add(api_url)


def configured_api_url(app_settings: WebAppSettings) -> str | None:
    """Return the API URL the operator set, ignoring a value this process exported
    itself for an earlier app (tests build several apps in one process)."""
    if app_settings.api_url in _exported_api_urls:
        return None
    return app_settings.api_url


@asynccontextmanager
async def flet_sessions() -> AsyncIterator[None]:
    """Run Flet's session manager, which a mounted app's own lifespan would start."""
    import flet_web.fastapi as flet_fastapi

    await flet_fastapi.app_manager.start()
    try:
        yield
    finally:
        await flet_fastapi.app_manager.shutdown()


def web_app_for_service(settings: Settings) -> ASGIApp | None:
    """Build the web client for ``vidswap serve`` and ``vidswap api``, or return None
    when it is turned off or not installed."""
    app_settings = WebAppSettings()
    if not app_settings.enabled:
        return None
    main = load_entry(app_settings.entry)
    if main is None:
        return None

    upload_dir = settings.data_dir / "app-uploads"
    api_url = configured_api_url(app_settings) or local_api_url(settings.host, settings.port)
    export_client_environment(api_url, upload_dir)
    log.info("webapp.mounted", path=APP_PATH, entry=app_settings.entry, api_url=api_url)
    store = object_store_origin(settings)
    return build_web_app(
        main,
        font=resolve_font(app_settings.font),
        upload_dir=upload_dir,
        upload_secret_key=upload_secret(settings.signing_key),
        max_upload_bytes=settings.max_video_bytes,
        extra_origins=[store] if store else [],
    )


def object_store_origin(settings: Settings) -> str | None:
    """Return the origin of the storage's signed URLs, where result videos redirect to,
    or None for local storage."""
    if settings.storage != "s3":
        return None
    if settings.s3_endpoint_url:
        parts = urlsplit(settings.s3_endpoint_url)
        host = parts.netloc
        if settings.s3_addressing == "virtual":
            host = f"{settings.s3_bucket}.{host}"
        return f"{parts.scheme}://{host}"
    region_host = f"s3.{settings.s3_region}.amazonaws.com"
    if settings.s3_addressing == "virtual":
        return f"https://{settings.s3_bucket}.{region_host}"
    return f"https://{region_host}"
