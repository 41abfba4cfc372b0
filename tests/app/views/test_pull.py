"""Pull to refresh without a browser: the pull distance from drags and scroll events, and
the indicator on the task list. The browser test drives the real gestures."""

from __future__ import annotations

import flet as ft
from vidswap_app.viewmodels import AppContext, TasksViewModel
from vidswap_app.views.pull import PULL_THRESHOLD, PullState
from vidswap_app.views.tasks import TasksScreen

from tests.app.conftest import sign_in_context
from tests.app.views.test_screens import identifiers, no_update


def test_drag_past_threshold_refreshes() -> None:
    state = PullState()

    state.start_drag(100)
    state.move_drag(100 + PULL_THRESHOLD + 1)

    assert state.armed
    assert state.fraction == 1.0
    assert state.release() is True


def test_short_drag_does_not_refresh() -> None:
    state = PullState()

    state.start_drag(100)
    state.move_drag(100 + PULL_THRESHOLD / 2)

    assert state.fraction == 0.5
    assert state.release() is False


def test_drag_up_does_not_pull() -> None:
    state = PullState()

    state.start_drag(300)
    state.move_drag(100)

    assert state.pulling is False
    assert state.release() is False


def test_drag_on_scrolled_list_ignored() -> None:
    state = PullState()
    state.start_scroll(0)
    state.scroll(250)
    state.release()

    state.start_drag(100)
    state.move_drag(100 + PULL_THRESHOLD * 2)

    assert state.pulling is False
    assert state.release() is False


def test_release_resets_distance() -> None:
    state = PullState()
    state.start_drag(0)
    state.move_drag(PULL_THRESHOLD * 2)

    state.release()

    assert state.distance == 0
    assert state.release() is False


def test_overscroll_at_top_refreshes() -> None:
    state = PullState()

    state.start_scroll(0)
    for _ in range(6):
        state.overscroll(-15)

    assert state.distance == 90
    assert state.release() is True


def test_overscroll_at_bottom_ignored() -> None:
    state = PullState()

    state.start_scroll(0)
    state.overscroll(PULL_THRESHOLD * 2)

    assert state.pulling is False
    assert state.release() is False


def test_fling_past_top_ignored() -> None:
    """A scroll that starts below the top and overshoots it is not a pull."""
    state = PullState()

    state.start_scroll(400)
    state.scroll(0)
    state.overscroll(-PULL_THRESHOLD * 2)

    assert state.pulling is False
    assert state.release() is False


def test_pushing_back_up_cancels_pull() -> None:
    state = PullState()

    state.start_scroll(0)
    state.overscroll(-PULL_THRESHOLD * 2)
    state.scroll(10)

    assert state.pulling is False
    assert state.release() is False


def test_bouncing_offset_keeps_peak() -> None:
    """Bouncing physics report the pull as a negative offset, which springs back to 0
    before the scroll ends."""
    state = PullState()

    state.start_scroll(0)
    for pixels in (-30, -60, -PULL_THRESHOLD - 10, -40, 0):
        state.scroll(pixels)

    assert state.distance == PULL_THRESHOLD + 10
    assert state.release() is True


async def test_tasks_screen_pull_indicator(context: AppContext) -> None:
    await sign_in_context(context)
    model = TasksViewModel(context)
    screen = TasksScreen(model, no_update, lambda _: None)
    await screen.on_show()
    indicator = screen.pull.indicator

    idle = indicator.visible
    model.loading = True
    screen.refresh()

    assert isinstance(screen.root, ft.GestureDetector)
    assert screen.root.exclude_from_semantics is True
    assert "tasks-refresh" in identifiers(screen.root)
    assert idle is False
    assert indicator.visible is True
    assert screen.pull.ring.value is None
