"""The view-model base: change listeners, and client errors kept as screen state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog

from vidswap_app.errors import ApiError, ClientError, Offline, SessionExpired
from vidswap_app.signals import Signal
from vidswap_app.viewmodels.context import AppContext

log = structlog.get_logger(__name__)

T = TypeVar("T")


class ViewModel:
    """Plain-Python state of one screen. Views subscribe to ``changed`` and redraw."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.changed: Signal[None] = Signal()
        self.error: str | None = None
        self.offline = False
        self.failure: ClientError | None = None
        # A catalogue key and its values, rendered when read, so a notice follows a
        # language switch made while it is on screen.
        self._notice: tuple[str, dict[str, Any]] | None = None

    @property
    def t(self) -> Callable[..., str]:
        return self.context.i18n.t

    @property
    def notice(self) -> str | None:
        """The screen's notice in the current language; None when there is none."""
        if self._notice is None:
            return None
        key, values = self._notice
        return self.t(
            key, **{name: value() if callable(value) else value for name, value in values.items()}
        )

    def say(self, key: str, **values: Any) -> None:
        """Show the notice ``key``; a callable value is called each time it is rendered."""
        self._notice = (key, values)

    def clear_notice(self) -> None:
        self._notice = None

    def notify(self) -> None:
        self.changed.emit(None)

    async def call(self, action: Callable[[], Awaitable[T]]) -> T | None:
        """Run one API call, keeping its failure as screen state instead of raising.

        ``Offline`` sets ``offline`` (the view shows a retry button), ``SessionExpired``
        also makes the app show the sign-in screen, and ``ApiError`` shows the
        server's message. Each returns ``None`` and keeps the error in ``failure``.
        """
        self.error = None
        self.failure = None
        try:
            result = await action()
        except (SessionExpired, Offline, ApiError) as exc:
            self._fail(exc)
            return None
        self.offline = False
        return result

    def _fail(self, exc: ClientError) -> None:
        log.info("viewmodel.request_failed", screen=type(self).__name__, error=exc.code)
        self.failure = exc
        self.error = exc.message
        if isinstance(exc, Offline):
            self.offline = True
        if isinstance(exc, SessionExpired):
            self.context.expire_session()
