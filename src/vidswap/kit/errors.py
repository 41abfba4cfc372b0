"""The error base class for everything vidswap raises on purpose.

Each subclass declares a stable ``code``, an HTTP status, a process exit status
and its message in every supported locale. Messages are format strings filled
from the keyword arguments given to the constructor, so they name the values
involved (a path, a task id) in the caller's language.

    VidswapError
    ├── BadInputError              400 / exit 2: the caller can fix it
    │   ├── (media, face and option errors in vidswap.swap.errors)
    │   ├── NotFoundError          404
    │   ├── UnauthorizedError      401
    │   ├── ForbiddenError         403
    │   ├── ConflictError          409
    │   ├── PayloadTooLargeError   413
    │   └── TooManyRequestsError   429 (with a Retry-After)
    ├── ServiceUnavailableError    503 / exit 1
    └── InternalError              500 / exit 1
"""

from __future__ import annotations

from typing import Any, ClassVar

from vidswap.kit.i18n import DEFAULT_LOCALE, localize


class VidswapError(Exception):
    """Base class: a user message in zh-CN and en, an HTTP status and an exit status."""

    code: ClassVar[str] = "internal_error"
    status_code: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    messages: ClassVar[dict[str, str]] = {
        "en": "An internal error occurred. Try again later.",
        "zh-CN": "发生内部错误，请稍后重试。",
    }

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message(DEFAULT_LOCALE))

    def message(self, locale: str | None = None) -> str:
        """Return the message in ``locale`` (any form ``normalize_locale`` accepts)."""
        return localize(self.messages, locale, self.params)


class BadInputError(VidswapError):
    """Input the caller can correct: a wrong file, value or option."""

    code = "bad_input"
    status_code = 400
    exit_code = 2
    messages = {
        "en": "Invalid input: {detail}",
        "zh-CN": "输入无效：{detail}",
    }


class NotFoundError(BadInputError):
    """A referenced thing does not exist."""

    code = "not_found"
    status_code = 404
    messages = {
        "en": "{what} was not found.",
        "zh-CN": "未找到{what}。",
    }


class InternalError(VidswapError):
    """A failure inside vidswap or a library it uses; the cause is chained."""

    code = "internal_error"
    messages = {
        "en": "Internal error: {detail}",
        "zh-CN": "内部错误：{detail}",
    }


class UnauthorizedError(BadInputError):
    """Missing, invalid or expired credentials."""

    code = "unauthorized"
    status_code = 401
    messages = {
        "en": "Authentication failed: {detail}",
        "zh-CN": "身份验证失败：{detail}",
    }


class ForbiddenError(BadInputError):
    """The caller is known but may not do this."""

    code = "forbidden"
    status_code = 403
    messages = {
        "en": "Not allowed: {detail}",
        "zh-CN": "无权操作：{detail}",
    }


class ConflictError(BadInputError):
    """The request conflicts with the current state of a stored record."""

    code = "conflict"
    status_code = 409
    messages = {
        "en": "Conflict: {detail}",
        "zh-CN": "冲突：{detail}",
    }


class PayloadTooLargeError(BadInputError):
    """A request body or file is over its size limit."""

    code = "payload_too_large"
    status_code = 413
    messages = {
        "en": "{what} is larger than the limit of {limit}.",
        "zh-CN": "{what}超过了 {limit} 的上限。",
    }


class TooManyRequestsError(BadInputError):
    """A rate limit was hit; ``retry_after`` is in whole seconds."""

    code = "too_many_requests"
    status_code = 429
    messages = {
        "en": "Too many requests. Try again in {retry_after} s.",
        "zh-CN": "请求过于频繁，请在 {retry_after} 秒后重试。",
    }

    def __init__(self, *, retry_after: int, **params: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(retry_after=self.retry_after, **params)


class ServiceUnavailableError(VidswapError):
    """A service the request depends on (database, queue, storage, a provider) is down."""

    code = "service_unavailable"
    status_code = 503
    messages = {
        "en": "{service} is unavailable. Try again later.",
        "zh-CN": "{service}暂时不可用，请稍后重试。",
    }
