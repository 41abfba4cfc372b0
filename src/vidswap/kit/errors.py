"""The error base class for everything vidswap raises on purpose.

Each subclass declares a stable ``code``, an HTTP status, a process exit status
and its message in every supported locale. Messages are format strings filled
from the keyword arguments given to the constructor, so they name the values
involved (a path, a task id) in the caller's language.

    VidswapError
    ├── BadInputError          400 / exit 2: the caller can fix it
    │   └── (media, face and option errors in vidswap.swap.errors)
    ├── NotFoundError          404 / exit 2
    └── InternalError          500 / exit 1
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
