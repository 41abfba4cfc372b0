"""The web client in headless Chromium, served by ``vidswap serve`` at /app."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from tests.app.browser import BrowserSession, browser  # noqa: F401
from tests.flows.client import free_port, vidswap_process, wait_ready

PLACEHOLDER_ENTRY = "tests.app.placeholder_app:main"
# flet-web 1.0.5's rive_native plugin always requests its script here; the policy blocks it.
RIVE_CDN = "https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@"
SIGN_IN_CONTROLS = ("signin-phone", "signin-send-code", "signin-code", "signin-submit")


def client_entry() -> str:
    """Return the client's entry point, or the stand-in while the client has none."""
    if importlib.util.find_spec("vidswap_app") and importlib.util.find_spec("vidswap_app.main"):
        return "vidswap_app.main:main"
    return PLACEHOLDER_ENTRY


@pytest.mark.parametrize("browser", ["zh-CN", "en-US"], indirect=True)
def test_serve_app_signin_offline(browser: BrowserSession, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]

    with vidswap_process(args, {"VIDSWAP_APP_ENTRY": client_entry()}, log_path) as process:
        wait_ready(base_url, process, log_path)
        browser.open_app(f"{base_url}/app")
        for identifier in SIGN_IN_CONTROLS:
            browser.wait_for_control(identifier)
        screenshot = browser.screenshot("sign-in")

    pixels = ImageStat.Stat(Image.open(screenshot).convert("L"))
    assert pixels.stddev[0] > 5, "the screenshot is blank"
    network = browser.network
    assert network.sent_elsewhere(base_url) == [], network.failures
    assert all(url.startswith(RIVE_CDN) for url in network.blocked()), network.blocked()
    assert network.websockets == [f"ws://127.0.0.1:{port}/app/ws"]
    assert f"{base_url}/app/assets/fonts/vidswap-cjk.ttc" in network.requests
    engine = [url for url in network.requests if url.startswith(f"{base_url}/app/canvaskit/")]
    assert engine, "the Flutter engine was not loaded from this server"
