"""The before and after view of an HEVC task, in headless Chromium against ``vidswap serve``.

Debian's headless Chromium without a GPU cannot decode HEVC, so the "before" pane must
play the worker's H.264 copy of the target (``target_preview_url``) and not the uploaded
file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.app.browser import CONTROL_MS, BrowserSession, browser  # noqa: F401
from tests.app.test_web_flow import (
    FACE,
    pick_file,
    sign_up_with_sms,
    wait_for_completed_task,
)
from tests.flows.client import free_port, vidswap_process, wait_ready
from tests.shared_media import shared_face, shared_video

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("vidswap_app.main") is None,
        reason="the client package has no vidswap_app.main yet",
    ),
]

HEVC_VIDEO = "indoor-group-event-1s-hevc-ccby.mp4"
VIDEO_STATES = """() => Array.from(document.querySelectorAll('video')).map(video =>
    ({src: video.currentSrc, readyState: video.readyState, error: video.error?.message}))"""

# The "before" pane is the left <video> on a desktop-wide page. The players' DOM order
# varied between runs, so the script finds the pane by position. It plays the pane muted
# (headless Chromium blocks autoplay with sound) and returns its state after 1 s.
PLAY_BEFORE_PANE = """async () => {
    const videos = Array.from(document.querySelectorAll('video'));
    const left = video => video.getBoundingClientRect().left;
    const before = videos.sort((a, b) => left(a) - left(b))[0];
    before.muted = true;
    let error = null;
    try { await before.play(); } catch (e) { error = String(e); }
    await new Promise(resolve => setTimeout(resolve, 1000));
    before.pause();
    return {videos: videos.length, src: before.currentSrc, readyState: before.readyState,
            time: before.currentTime, error: error || (before.error && before.error.message)};
}"""


def test_web_compare_plays_hevc_preview(browser: BrowserSession, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]

    with vidswap_process(args, {}, log_path) as process:
        wait_ready(base_url, process, log_path)
        browser.open_app(f"{base_url}/app")
        browser.wait_for_control("signin-phone")
        sign_up_with_sms(browser, log_path)
        browser.wait_for_control("create-pick-face")
        pick_file(browser, "create-pick-face", shared_face(FACE))
        pick_file(browser, "create-pick-target", shared_video(HEVC_VIDEO))
        browser.tick("create-consent")
        browser.wait_until_enabled("create-submit")
        browser.tap_until_text(lambda: browser.tap("create-submit"), "任务已开始")
        browser.tap_until(lambda: browser.tap_text("任务"), "tasks-refresh")
        task_id = wait_for_completed_task(browser)
        browser.tap_until(lambda: browser.tap(f"task-row-{task_id}"), "task-compare")

        both = browser.control("task-compare").locator("flt-semantics").filter(has_text="对比")
        both.last.click()
        try:
            browser.page.wait_for_function(
                "() => document.querySelectorAll('video').length === 2"
                " && Array.from(document.querySelectorAll('video'))"
                ".every(video => video.readyState >= 2)",
                timeout=CONTROL_MS,
            )
        except PlaywrightTimeoutError as exc:
            states = browser.page.evaluate(VIDEO_STATES)
            raise AssertionError(f"the players did not load: {states}") from exc
        before = browser.page.evaluate(PLAY_BEFORE_PANE)

    assert before["videos"] == 2, before
    assert f"/tasks/{task_id}/target-preview?" in before["src"], before
    assert "signature=" in before["src"], before
    assert before["readyState"] >= 2, before
    assert before["error"] is None, before
    assert before["time"] > 0, before
