"""Third-party sign-in in the web client: headless Chromium, ``vidswap serve`` on
127.0.0.1, and the provider stand-in's page opened in a second tab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.accounts.social import standin as s
from tests.app.browser import BrowserSession, browser  # noqa: F401
from tests.flows.client import free_port, vidswap_process, wait_ready

PAGE_MS = 30_000


def social_environment(address: str) -> dict[str, str]:
    """The stand-in's settings as VIDSWAP_ variables; lists go as JSON."""
    return {
        f"VIDSWAP_{name.upper()}": json.dumps(value) if isinstance(value, list) else str(value)
        for name, value in s.settings_for(address).items()
    }


@pytest.mark.parametrize(
    ("browser", "provider", "done_text"),
    [("en-US", "google", "Signed in"), ("zh-CN", "wechat", "登录成功")],
    indirect=["browser"],
)
def test_sign_in_at_the_provider(
    browser: BrowserSession,  # noqa: F811
    provider: str,
    done_text: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]

    with s.running() as (standin, address):
        standin.person = s.Person(name="Lin Wei")
        env = {"VIDSWAP_APP_ENTRY": "vidswap_app.main:main", **social_environment(address)}
        with vidswap_process(args, env, log_path) as process:
            wait_ready(base_url, process, log_path)
            browser.open_app(f"{base_url}/app")
            for name in ("wechat", "apple", "google"):
                browser.wait_for_control(f"signin-{name}")
            browser.screenshot(f"sign-in-{provider}")

            with browser.page.context.expect_page(timeout=PAGE_MS) as opened:
                browser.tap(f"signin-{provider}")
            provider_page = opened.value
            provider_page.wait_for_load_state()
            assert provider_page.url.startswith(f"http://{address}/{provider}/")
            browser.wait_for_control("signin-social-cancel")
            provider_page.click("#allow")
            provider_page.get_by_text(done_text).wait_for(timeout=PAGE_MS)
            callback_url = provider_page.url

            browser.wait_for_control("create-pick-face")
            browser.screenshot(f"signed-in-{provider}")

    assert callback_url.startswith(f"{base_url}/api/v1/auth/oauth/{provider}/callback")
    # The provider's page opened in its own tab; the app's tab talked to vidswap only.
    assert browser.network.sent_elsewhere(base_url) == []
