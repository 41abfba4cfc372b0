"""Pull to refresh on the task list, in headless Chromium against ``vidswap serve``.

The service runs without a worker, so a task created through the API stays pending and
sends no task event. The app polls only on connecting and while its WebSocket is down.
Only a refresh of the list can show such a task, so each new row proves that a pull
reached the app. The pulls are a touch drag and a mouse drag on a short list (the
GestureDetector's route), and a touch drag on a list taller than the window (the
column's overscroll route)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.accounts.helpers import new_phone
from tests.app.browser import CONTROL_MS, PHONE, BrowserSession, browser  # noqa: F401
from tests.app.test_web_flow import FACE, VIDEO, read_sms_code
from tests.flows.client import UserClient, free_port, vidswap_process, wait_ready
from tests.shared_media import shared_face, shared_video

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("vidswap_app.main") is None,
        reason="the client package has no vidswap_app.main yet",
    ),
]

PASSWORD = "pull to refresh 2026"
# Time for a task event or a poll to show the new row, if anything but the pull could.
QUIET_MS = 4_000
PULL_PIXELS = 240
PULL_STEPS = 24
# Tall enough for three task rows at phone width, short enough that they scroll.
SHORT_WINDOW = {"width": PHONE["width"], "height": 360}


def sign_in_with_sms(browser: BrowserSession, log_path: Path, phone: str) -> None:  # noqa: F811
    browser.fill("signin-phone", phone)
    browser.tap("signin-send-code")
    browser.fill("signin-code", read_sms_code(log_path, phone))
    browser.tap("signin-submit")


def row_box(browser: BrowserSession, task_id: str) -> dict[str, float]:  # noqa: F811
    box = browser.wait_for_control(f"task-row-{task_id}").bounding_box()
    assert box is not None, f"task row {task_id} is not on screen"
    return box


def touch_pull(browser: BrowserSession, x: float, y: float) -> None:  # noqa: F811
    """Drag one finger down by PULL_PIXELS from (x, y), in small moves, and lift it."""
    page = browser.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, PULL_STEPS + 1):
        point = {"x": x, "y": y + PULL_PIXELS * step / PULL_STEPS}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def mouse_pull(browser: BrowserSession, x: float, y: float) -> None:  # noqa: F811
    page = browser.page
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + PULL_PIXELS, steps=PULL_STEPS)
    page.mouse.up()


def create_unseen_task(browser: BrowserSession, user: UserClient, media: dict[str, str]) -> str:  # noqa: F811
    """Create a task through the API and check that the list does not show it by itself."""
    task_id = str(user.create_task(media["image"], media["video"])["task_id"])
    browser.page.wait_for_timeout(QUIET_MS)
    assert browser.control(f"task-row-{task_id}").count() == 0, "the row appeared without a pull"
    return task_id


def cancel_task(browser: BrowserSession, user: UserClient, task_id: str) -> None:  # noqa: F811
    """Cancel a pending task, to stay under the free plan's two tasks at a time, and wait
    for its cancelled event to reach the list."""
    response = user.http.post(f"/api/v1/tasks/{task_id}/cancel")
    assert response.status_code == 200, response.text
    browser.page.wait_for_function(
        """identifier => {
            const row = document.querySelector(
                `flt-semantics[flt-semantics-identifier="${identifier}"]`);
            const text = row && (row.getAttribute('aria-label') || row.textContent);
            return text && text.includes('已取消');
        }""",
        arg=f"task-row-{task_id}",
        timeout=CONTROL_MS,
    )


def wait_for_row(browser: BrowserSession, task_id: str, gesture: str) -> None:  # noqa: F811
    try:
        browser.control(f"task-row-{task_id}").wait_for(state="attached", timeout=CONTROL_MS)
    except PlaywrightTimeoutError as exc:
        raise AssertionError(
            f"no row for task {task_id} after a pull by {gesture}. "
            f"Semantics:\n{browser.semantics_dump()}"
        ) from exc


def test_pull_refreshes_task_list(browser: BrowserSession, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    env = {"VIDSWAP_APP_ENTRY": "vidswap_app.main:main", "VIDSWAP_WORKER_PROCESSES": "0"}

    with vidswap_process(args, env, log_path) as process:
        wait_ready(base_url, process, log_path)
        phone = new_phone()
        user = UserClient(base_url)
        response = user.http.post(
            "/api/v1/auth/register", json={"phone": phone, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        user.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        media = {
            "image": str(user.upload(shared_face(FACE), "image")["file_url"]),
            "video": str(user.upload(shared_video(VIDEO), "video")["file_url"]),
        }
        first = str(user.create_task(media["image"], media["video"])["task_id"])

        browser.resize(PHONE)
        browser.open_app(f"{base_url}/app")
        sign_in_with_sms(browser, log_path, phone)
        browser.tap_until(lambda: browser.tap("nav-tasks"), "tasks-refresh")
        browser.wait_for_control(f"task-row-{first}")

        # A short list: the drag goes to the GestureDetector around the column.
        second = create_unseen_task(browser, user, media)
        box = row_box(browser, first)
        touch_pull(browser, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for_row(browser, second, "touch")
        browser.screenshot("touch-pulled")

        cancel_task(browser, user, first)
        third = create_unseen_task(browser, user, media)
        box = row_box(browser, second)
        mouse_pull(browser, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for_row(browser, third, "mouse")

        # Three rows overflow this window, so the column scrolls and reports overscroll.
        browser.resize(SHORT_WINDOW)
        cancel_task(browser, user, second)
        fourth = create_unseen_task(browser, user, media)
        box = row_box(browser, third)
        touch_pull(browser, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for_row(browser, fourth, "touch on a list that scrolls")
        browser.screenshot("overscroll-pulled")

        # A tap still opens a task inside the detector.
        browser.tap_until(lambda: browser.tap(f"task-row-{fourth}"), "task-cancel")
