"""Error handlers: every error leaves as ``{"error": CODE, "message": TEXT}`` in the
caller's language (``Accept-Language``: zh-CN or en), never as a traceback."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vidswap.kit.errors import InternalError, TooManyRequestsError, VidswapError
from vidswap.kit.i18n import localize, normalize_locale

log = structlog.get_logger(__name__)

_VALIDATION = {
    "en": "Invalid request: {field}: {detail}",
    "zh-CN": "请求无效：{field}：{detail}",
}
_HTTP = {
    404: ("not_found", {"en": "No such endpoint: {path}.", "zh-CN": "接口不存在：{path}。"}),
    405: (
        "method_not_allowed",
        {"en": "{method} is not allowed on {path}.", "zh-CN": "{path} 不支持 {method} 方法。"},
    ),
}


def error_response(
    request: Request, code: str, message: str, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def locale_of(request: Request) -> str:
    return normalize_locale(request.headers.get("accept-language"))


async def handle_vidswap_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VidswapError)
    headers = None
    if isinstance(exc, TooManyRequestsError):
        headers = {"Retry-After": str(exc.retry_after)}
    level = "error" if exc.status_code >= 500 else "info"
    getattr(log, level)(
        "api.error",
        code=exc.code,
        status=exc.status_code,
        path=request.url.path,
        exc_info=level == "error",
    )
    return error_response(
        request, exc.code, exc.message(locale_of(request)), exc.status_code, headers
    )


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
    field = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    message = localize(
        _VALIDATION, locale_of(request), {"field": field, "detail": first.get("msg", "")}
    )
    return error_response(request, "validation_error", message, 422)


async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, messages = _HTTP.get(exc.status_code, ("http_error", None))
    if messages is None:
        message = str(exc.detail)
    else:
        message = localize(
            messages, locale_of(request), {"path": request.url.path, "method": request.method}
        )
    return error_response(request, code, message, exc.status_code, dict(exc.headers or {}))


async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.unhandled_error", path=request.url.path, exc_info=exc)
    error = InternalError(detail=type(exc).__name__)
    return error_response(request, error.code, error.message(locale_of(request)), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VidswapError, handle_vidswap_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
