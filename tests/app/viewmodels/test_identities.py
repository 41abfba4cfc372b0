"""Sign-in methods on the profile: link WeChat through the provider's page, unlink it."""

from __future__ import annotations

import httpx
from vidswap_app.viewmodels import AppContext, IdentitiesViewModel
from vidswap_app.views.identities import IdentitiesCard

from tests.app.conftest import sign_in_context
from tests.app.viewmodels.test_signin_social import (  # noqa: F401
    at_provider,
    served_standin,
    settings,
)
from tests.app.views.test_screens import identifiers


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
    assert double_tap is None
    assert waiting is False
    assert linked is True
    assert "profile-unlink-wechat" in shown
    assert "profile-link-apple" in shown
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

    assert linked is False
    assert methods.linking is None
    assert methods.linked == []
    assert methods.error == "绑定Google未成功：登录已被取消。请重新绑定。"
    assert context.signed_in  # a refused link leaves the session alone
