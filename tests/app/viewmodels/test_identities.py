"""Sign-in methods on the profile: link WeChat through the provider's page, unlink it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from vidswap_app.viewmodels import AppContext, IdentitiesViewModel
from vidswap_app.views.identities import IdentitiesCard

from tests.accounts.social import standin as s
from tests.app.conftest import sign_in_context
from tests.app.viewmodels.test_signin_social import at_provider
from tests.app.views.test_screens import identifiers
from tests.conftest import make_settings
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings


@pytest.fixture(scope="module")
def served_standin() -> Iterator[tuple[s.SocialStandIn, str]]:
    with s.running() as value:
        yield value


@pytest.fixture
def settings(tmp_path: Path, served_standin: tuple[s.SocialStandIn, str]) -> Settings:
    value = make_settings(tmp_path / "data", **s.settings_for(served_standin[1]))
    value.ensure_data_dir()
    upgrade_database(value.resolved_database_url)
    return value


async def test_link_and_unlink_wechat(context: AppContext, transport: httpx.ASGITransport) -> None:
    await sign_in_context(context)
    methods = IdentitiesViewModel(context)
    card = IdentitiesCard(methods, lambda: None)

    await methods.load()
    url = await methods.start_link("wechat")
    double_tap = await methods.start_link("wechat")
    assert url is not None
    waiting = await methods.poll_link()
    await at_provider(transport, url)
    linked = await methods.poll_link()
    shown = identifiers(card.root)
    await methods.unlink("wechat")

    assert methods.offered == ["wechat", "apple", "google"]
    assert double_tap is None and waiting is False and linked is True
    assert "profile-unlink-wechat" in shown and "profile-link-apple" in shown
    assert methods.linked == []
    assert methods.notice == "WeChat is unlinked."
    assert methods.error is None


async def test_cancelled_link_says_why(context: AppContext, transport: httpx.ASGITransport) -> None:
    await sign_in_context(context)
    context.i18n.set_locale("zh-CN")
    methods = IdentitiesViewModel(context)
    await methods.load()

    url = await methods.start_link("google")
    assert url is not None
    await at_provider(transport, url, button="cancel")
    linked = await methods.poll_link()

    assert linked is False and methods.linking is None
    assert methods.linked == []
    assert methods.error == "绑定Google未成功：登录已被取消。请重新绑定。"
    assert context.signed_in  # a refused link leaves the session alone
