"""Pull to refresh for a screen's scrollable column, which Flet 1.0.5 has no control for.

A pull reaches the Python side by one of two routes. Headless Chromium with flet-web 1.0.5
showed both, except the bouncing case:

- A column shorter than the screen does not scroll, and in flet-web a mouse drag does not
  scroll a column, so a ``GestureDetector`` around the column receives the vertical drag.
- A touch drag on a column that scrolls goes to the column instead. At its top the column
  reports the pull as overscroll events with clamping physics (Flutter's default on
  Android, Linux and Windows), or as update events with a negative offset with bouncing
  physics (the default on iOS and macOS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from vidswap_app.views.common import screen, tagged

# Logical pixels to pull down before a release refreshes: a chosen value, short enough for
# a thumb on a phone.
PULL_THRESHOLD = 80.0
INDICATOR_SIZE = 28
# Milliseconds between the drag updates that the app sends to Python. Each update carries
# the pointer's position, so a skipped update loses no distance.
DRAG_INTERVAL_MS = 30


class PullState:
    """The distance of the current pull, and whether its release should refresh.

    A pull counts only when it starts with the column scrolled to its top, so a fling that
    scrolls back up past the top does not refresh.
    """

    def __init__(self, threshold: float = PULL_THRESHOLD) -> None:
        self.threshold = threshold
        self.offset = 0.0
        self.distance = 0.0
        self._drag_start_y: float | None = None
        self._scroll_at_top = False

    @property
    def pulling(self) -> bool:
        return self.distance > 0

    @property
    def armed(self) -> bool:
        """Whether releasing now refreshes."""
        return self.distance >= self.threshold

    @property
    def fraction(self) -> float:
        """The pulled distance as a share of the threshold, from 0 to 1."""
        return min(self.distance / self.threshold, 1.0)

    def start_drag(self, y: float) -> None:
        """Start a drag at the global position ``y``. It pulls only with the column at its top."""
        self._drag_start_y = y if self.offset <= 0 else None
        self.distance = 0.0

    def move_drag(self, y: float) -> None:
        if self._drag_start_y is not None:
            self.distance = max(0.0, y - self._drag_start_y)

    def start_scroll(self, pixels: float) -> None:
        self.offset = pixels
        self._scroll_at_top = pixels <= 0
        self.distance = 0.0

    def scroll(self, pixels: float) -> None:
        """Take the column's new offset. Bouncing physics show a pull as a negative offset."""
        # NOTE: only unit tests cover negative offsets. Headless Chromium on Linux reports
        # clamping overscroll, even with an iPhone user agent.
        self.offset = pixels
        if not self._scroll_at_top:
            return
        if pixels < 0:
            self.distance = max(self.distance, -pixels)
        elif pixels > 0:
            # The user pushed the list back up, which cancels the pull.
            self.distance = 0.0

    def overscroll(self, amount: float) -> None:
        """Add overscroll reported by clamping physics. A negative amount is at the top."""
        if self._scroll_at_top and amount < 0:
            self.distance -= amount

    def release(self) -> bool:
        """End the drag or scroll, and return whether it pulled far enough to refresh."""
        armed = self.armed
        self.distance = 0.0
        self._drag_start_y = None
        self._scroll_at_top = False
        return armed


class PullToRefresh:
    """Lay out a screen whose column refreshes when pulled down at its top.

    ``on_refresh`` runs on release past PULL_THRESHOLD. A ring at the top of the column
    fills while the user pulls, and spins after ``show(refreshing=True)``.
    """

    def __init__(self, on_refresh: Callable[[], Awaitable[None]], identifier: str) -> None:
        self.on_refresh = on_refresh
        self.state = PullState()
        self.refreshing = False
        self.ring = ft.ProgressRing(
            value=0, width=INDICATOR_SIZE, height=INDICATOR_SIZE, stroke_width=3
        )
        self.indicator = ft.Container(
            tagged(identifier, self.ring),
            alignment=ft.Alignment.CENTER,
            visible=False,
        )

    def build(self, *controls: ft.Control) -> ft.Control:
        """Return the screen with ``controls`` below the indicator, wrapped in the detector."""
        root = screen(self.indicator, *controls, on_scroll=self._on_scroll)
        return ft.GestureDetector(
            content=root,
            on_vertical_drag_start=self._on_drag_start,
            on_vertical_drag_update=self._on_drag_update,
            on_vertical_drag_end=self._on_drag_end,
            on_vertical_drag_cancel=self._on_drag_cancel,
            drag_interval=DRAG_INTERVAL_MS,
            # The refresh button is what screen readers and keyboards use.
            exclude_from_semantics=True,
            expand=True,
        )

    def show(self, refreshing: bool) -> None:
        """Copy the pull and refresh state into the indicator."""
        self.refreshing = refreshing
        state = self.state
        self.indicator.visible = refreshing or state.pulling
        # A ring without a value spins.
        self.ring.value = None if refreshing else state.fraction
        self.indicator.height = INDICATOR_SIZE + 8 if refreshing else state.fraction * 48

    def _redraw(self) -> None:
        self.show(self.refreshing)
        self.indicator.update()

    async def _release(self) -> None:
        was_pulling = self.state.pulling
        armed = self.state.release()
        if was_pulling:
            self._redraw()
        if armed:
            await self.on_refresh()

    async def _on_drag_start(self, event: ft.DragStartEvent[ft.GestureDetector]) -> None:
        self.state.start_drag(event.global_position.y)

    async def _on_drag_update(self, event: ft.DragUpdateEvent[ft.GestureDetector]) -> None:
        was_pulling = self.state.pulling
        self.state.move_drag(event.global_position.y)
        if self.state.pulling or was_pulling:
            self._redraw()

    async def _on_drag_end(self, _: ft.DragEndEvent[ft.GestureDetector]) -> None:
        await self._release()

    async def _on_drag_cancel(self, _: ft.Event[ft.GestureDetector]) -> None:
        was_pulling = self.state.pulling
        self.state.release()
        if was_pulling:
            self._redraw()

    async def _on_scroll(self, event: ft.OnScrollEvent) -> None:
        state, kind = self.state, event.event_type
        was_pulling = state.pulling
        if kind == ft.ScrollType.START:
            state.start_scroll(event.pixels)
        elif kind == ft.ScrollType.UPDATE:
            state.scroll(event.pixels)
        elif kind == ft.ScrollType.OVERSCROLL and event.overscroll is not None:
            state.overscroll(event.overscroll)
        elif kind == ft.ScrollType.END:
            state.offset = event.pixels
            await self._release()
            return
        if state.pulling or was_pulling:
            self._redraw()
