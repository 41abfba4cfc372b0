"""Notices: user-facing warnings that do not stop the work, in zh-CN and en."""

from __future__ import annotations

from typing import Any, ClassVar

from vidswap.kit.i18n import DEFAULT_LOCALE, localize


class Notice:
    """Base class of a warning shown to the user; subclasses set ``code`` and ``messages``."""

    code: ClassVar[str] = "notice"
    messages: ClassVar[dict[str, str]] = {"en": "{detail}", "zh-CN": "{detail}"}

    def __init__(self, **params: Any) -> None:
        self.params = params

    def message(self, locale: str | None = None) -> str:
        return localize(self.messages, locale, self.params)

    def __str__(self) -> str:
        return self.message(DEFAULT_LOCALE)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"
