"""Sign-in view model with Apple, Google and WeChat: the buttons the server allows, the
wait while the provider's page is open, double taps, cancelling and timing out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from vidswap_app.api import ApiClient
from vidswap_app.i18n import I18n
from vidswap_app.viewmodels import AppContext, SignInViewModel
from vidswap_app.views.signin import SignInScreen

from tests.accounts.social import standin as s
from tests.accounts.social.helpers import link
from tests.app.conftest import FakeClock
from tests.app.views.test_screens import identifiers
from tests.conftest import make_settings
from vidswap.api.app import create_app
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime


@pytest.fixture(scope="module")
def served_standin() -> Iterator[tuple[s.SocialStandIn, str]]:
    with s.running() as value:
        yield value


@pytest.fixture
def settings(tmp_path: Path, served_standin: tuple[s.SocialStandIn, str]) -> Settings:
    """Embedded settings with every sign-in provider pointed at the stand-in."""
    value = make_settings(tmp_path / "data", **s.settings_for(served_standin[1]))
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


async def at_provider(transport: httpx.ASGITransport, url: str, button: str = "allow") -> None:
    """Do what the user does in the page that opened: press ``button`` there, and let
    the provider send the browser back to the server's callback."""
    async with httpx.AsyncClient() as browser:
        page = (await browser.get(url)).text
    back = urlsplit(link(page, button))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as server:
        callback = await server.get(f"{back.path}?{back.query}")
    assert callback.status_code in (200, 400)


async def test_buttons_follow_the_server(context: AppContext) -> None:
    form = SignInViewModel(context)

    await form.load_providers()

    assert form.providers == ["wechat", "apple", "google"]


async def test_google_sign_in_finishes_after_the_page(
    context: AppContext,
    transport: httpx.ASGITransport,
    served_standin: tuple[s.SocialStandIn, str],
) -> None:
    served_standin[0].person = s.Person(name="Lin Wei")
    form = SignInViewModel(context)

    url = await form.start_social("google")
    second_tap = await form.start_social("wechat")
    assert url is not None
    assert url.startswith(f"http://{served_standin[1]}/google/")
    waiting_notice = form.notice
    still_waiting = await form.poll_social()
    await at_provider(transport, url)
    profile = await form.poll_social()

    assert second_tap is None
    assert waiting_notice == (
        "Finish signing in with Google in the page that opened. This screen carries on by itself."
    )
    assert still_waiting is None
    assert form.waiting_for is None
    assert profile is not None
    assert profile.nickname == "Lin Wei"
    assert context.signed_in
    assert context.profile == profile
    assert form.notice is None
    assert form.error is None


async def test_cancelled_at_wechat_shows_why(
    context: AppContext, transport: httpx.ASGITransport
) -> None:
    context.i18n.set_locale("zh-CN")
    form = SignInViewModel(context)

    url = await form.start_social("wechat")
    assert url is not None
    await at_provider(transport, url, button="cancel")
    profile = await form.poll_social()

    assert profile is None
    assert not context.signed_in
    assert form.waiting_for is None
    assert form.error == "微信登录未通过：登录已被取消。请重新使用微信登录。"


async def test_wait_times_out_and_cancel_stops_it(context: AppContext, clock: FakeClock) -> None:
    form = SignInViewModel(context)
    assert await form.start_social("apple") is not None

    clock.advance(601)
    timed_out = await form.poll_social()
    assert timed_out is None
    assert form.waiting_for is None
    assert form.error == "Signing in with Apple took too long. Start it again."

    assert await form.start_social("apple") is not None
    form.cancel_social()
    assert form.waiting_for is None
    assert form.notice is None
    assert await form.poll_social() is None


async def test_no_providers_when_the_server_offers_none(tmp_path: Path) -> None:
    plain = make_settings(tmp_path / "plain")
    plain.ensure_data_dir()
    upgrade_database(plain.resolved_database_url)
    runtime = Runtime.build(plain)
    transport = httpx.ASGITransport(app=create_app(plain, runtime))
    async with ApiClient("http://127.0.0.1", transport=transport) as api:
        form = SignInViewModel(AppContext(api, I18n("en")))
        await form.load_providers()
    await runtime.close()

    assert form.providers == []
    assert form.error is None


async def test_screen_shows_the_offered_buttons(context: AppContext) -> None:
    model = SignInViewModel(context)
    screen = SignInScreen(model, lambda: None)
    hidden_before = screen.social.visible

    await model.load_providers()
    shown = [identifiers(control) for control in screen.social_row.controls]
    await model.start_social("wechat")

    assert hidden_before is False
    assert screen.social.visible is True
    assert shown == [{"signin-wechat"}, {"signin-apple"}, {"signin-google"}]
    assert screen.social_buttons["wechat"].content == "WeChat"
    assert screen.social_buttons["google"].disabled is True
    assert screen.social_wait.visible is True
