"""The base of every screen view: build controls once, refresh them from the view model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import flet as ft
import structlog

from vidswap_app.viewmodels.base import ViewModel

log = structlog.get_logger(__name__)


class Screen:
    """One screen. Subclasses create their controls in ``__init__``, set ``root``, and
    copy the view model's state into the controls in ``refresh``.

    Controls are kept between refreshes (not rebuilt), so a text field keeps its focus
    and cursor while the view model changes around it.
    """

    root: ft.Control

    def __init__(self, model: ViewModel, update: Callable[[], None]) -> None:
        self.model = model
        self._update = update
        self._tasks: set[asyncio.Task[Any]] = set()
        model.changed.connect(lambda _: self.redraw())

    @property
    def t(self) -> Callable[..., str]:
        return self.model.t

    def refresh(self) -> None:
        raise NotImplementedError

    def redraw(self) -> None:
        self.refresh()
        try:
            self._update()
        except RuntimeError as exc:
            # The page is gone (the browser tab closed) while a background task ran.
            log.info("view.update_skipped", screen=type(self).__name__, error=str(exc))

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run ``coroutine`` in the background, keeping a reference until it ends."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def on_show(self) -> None:
        """Load what the screen shows. The shell calls it each time the user opens the screen."""
