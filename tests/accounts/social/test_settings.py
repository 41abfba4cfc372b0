"""Which providers a server offers, and settings that configure one only in part."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings
from vidswap.accounts.social.registry import SocialProviders
from vidswap.api.app import create_app
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import SettingsError
from vidswap.runtime import Runtime


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"google_web_client_id": "web"}, "VIDSWAP_GOOGLE_CLIENT_IDS"),
        (
            {"google_client_ids": ["web"], "google_web_client_id": "web"},
            "VIDSWAP_GOOGLE_WEB_CLIENT_SECRET",
        ),
        (
            {
                "google_client_ids": ["a"],
                "google_web_client_id": "b",
                "google_web_client_secret": "x",
            },
            "VIDSWAP_GOOGLE_WEB_CLIENT_ID",
        ),
        ({"apple_web_client_id": "com.example.web"}, "VIDSWAP_APPLE_CLIENT_IDS"),
        ({"wechat_app_id": "wx1"}, "VIDSWAP_WECHAT_APP_SECRET"),
        ({"wechat_web_app_secret": "s"}, "VIDSWAP_WECHAT_WEB_APP_ID"),
    ],
)
def test_half_configured_provider_names_the_variable(
    tmp_path: Path, values: dict, variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        SocialProviders.from_settings(make_settings(tmp_path, **values))

    assert caught.value.params["name"] == variable


async def test_nothing_configured_offers_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    runtime = Runtime.build(settings)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        listed = await client.get("/api/v1/auth/providers")
        login = await client.post("/api/v1/auth/login/wechat", json={"code": "abc"})
        start = await client.post(
            "/api/v1/auth/oauth/google/start", headers={"Accept-Language": "zh-CN"}
        )
    await runtime.close()

    assert listed.json() == {"providers": []}
    assert login.status_code == 404
    assert login.json()["error"] == "sign_in_provider_off"
    assert start.status_code == 404
    assert start.json()["message"] == "此处未开通Google登录，请使用短信验证码或密码登录。"


def test_app_only_wechat_has_no_browser_sign_in(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, wechat_app_id="wx1", wechat_app_secret="s")

    [provider] = SocialProviders.from_settings(settings).all()

    assert (provider.name, provider.native, provider.browser) == ("wechat", True, False)
