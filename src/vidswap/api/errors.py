"""Error handlers: every error leaves as ``{"error": CODE, "message": TEXT}`` in the
caller's language (``Accept-Language``: zh-CN or en), never as a traceback."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from vidswap.kit.errors import BadInputError, InternalError, TooManyRequestsError, VidswapError
from vidswap.kit.i18n import localize, normalize_locale

log = structlog.get_logger(__name__)

_VALIDATION = {
    "en": "Invalid request: {field}: {detail}",
    "zh-CN": "请求无效：{field}：{detail}",
}
_HTTP = {
    # Raised by Starlette and FastAPI when a form or multipart body cannot be parsed.
    400: (
        "malformed_body",
        {
            "en": "The request body could not be parsed ({detail}). Send a body that matches "
            "its Content-Type.",
            "zh-CN": "无法解析请求体（{detail}），请发送与 Content-Type 一致的请求体。",
        },
    ),
    404: ("not_found", {"en": "No such endpoint: {path}.", "zh-CN": "接口不存在：{path}。"}),
    405: (
        "method_not_allowed",
        {"en": "{method} is not allowed on {path}.", "zh-CN": "{path} 不支持 {method} 方法。"},
    ),
}


class UnstorableValueError(BadInputError):
    """The database rejected a value from the request (SQLSTATE class 22, data exception)."""

    code = "invalid_value"
    messages = {
        "en": "A value in the request cannot be used: {reason}. Remove it and try again.",
        "zh-CN": "请求中的某个值无法使用：{reason_zh}。请去掉该值后重试。",
    }


# PostgreSQL text cannot contain NUL, which SQLite stores, so only PostgreSQL raises these.
_NUL_STATES = {"22021", "22P05"}
_NUL_REASON = ("it contains a NUL character (U+0000)", "其中含有 NUL 字符（U+0000）")
_RANGE_REASON = ("a number or a text is out of range", "某个数字或文本超出范围")


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
    locale = locale_of(request)
    field, detail = describe_validation_error(first)
    detail = translate_validation_detail(first, locale) or detail
    message = localize(_VALIDATION, locale, {"field": field, "detail": detail})
    return error_response(request, "validation_error", message, 422)


# Chinese texts of the pydantic error types clients meet most; other types keep
# pydantic's English text.
_VALIDATION_DETAILS_ZH = {
    "missing": "缺少此字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "list_type": "应为数组",
    "string_too_short": "长度至少为 {min_length} 个字符",
    "string_too_long": "长度最多为 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than_equal": "应小于或等于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "literal_error": "应为以下值之一：{expected}",
    "enum": "应为以下值之一：{expected}",
    "extra_forbidden": "不允许此字段",
}


def translate_validation_detail(error: dict[str, Any], locale: str) -> str | None:
    """Return the Chinese detail of a pydantic error for zh-CN, or ``None`` to keep its text."""
    if locale != "zh-CN":
        return None
    template = _VALIDATION_DETAILS_ZH.get(str(error.get("type")))
    if template is None:
        return None
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return None


def describe_validation_error(error: dict[str, Any]) -> tuple[str, str]:
    """Return the field path and the detail of one pydantic or FastAPI error entry."""
    location = error.get("loc", ())
    detail = str(error.get("msg", ""))
    if error.get("type") == "json_invalid":
        # FastAPI puts the character offset of a JSON syntax error where a field would be.
        offset = location[1] if len(location) > 1 else 0
        reason = (error.get("ctx") or {}).get("error", "")
        return "body", f"invalid JSON at character {offset} ({reason})"
    field = ".".join(str(part) for part in location if part != "body") or "body"
    return field, detail


async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, messages = _HTTP.get(exc.status_code, ("http_error", None))
    if messages is None:
        message = str(exc.detail)
    else:
        params = {
            "path": request.url.path,
            "method": request.method,
            "detail": str(exc.detail).rstrip("."),
        }
        message = localize(messages, locale_of(request), params)
    return error_response(request, code, message, exc.status_code, dict(exc.headers or {}))


async def handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    """Return 400 for a data exception (SQLSTATE class 22), because it comes from a request
    value that no endpoint validated. Every other database error is a 500."""
    assert isinstance(exc, DBAPIError)
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    if not state.startswith("22"):
        return await handle_unexpected_error(request, exc)
    log.warning("api.database_rejected_value", path=request.url.path, sqlstate=state, exc_info=exc)
    english, chinese = _NUL_REASON if state in _NUL_STATES else _RANGE_REASON
    error = UnstorableValueError(reason=english, reason_zh=chinese)
    return error_response(request, error.code, error.message(locale_of(request)), 400)


async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.unhandled_error", path=request.url.path, exc_info=exc)
    error = InternalError(detail=type(exc).__name__)
    return error_response(request, error.code, error.message(locale_of(request)), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VidswapError, handle_vidswap_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(DBAPIError, handle_database_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
