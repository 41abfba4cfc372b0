"""Sign in with WeChat: a code from the WeChat SDK in the apps, or from the QR-code page
of a website application in a browser, exchanged for the user's openid and unionid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import structlog
from pydantic import SecretStr

from vidswap.accounts.social.base import AppCredential, BrowserRequest
from vidswap.accounts.social.errors import SocialProviderUnavailableError, SocialTokenInvalidError
from vidswap.accounts.social.identity import Identity
from vidswap.kit.settings import Settings, SettingsError

log = structlog.get_logger(__name__)

# errcodes that mean the code itself is bad (invalid, used, expired), not that WeChat is down
CODE_ERRORS = {40029, 40163, 41008, 42003}


@dataclass(frozen=True)
class WeChatApp:
    app_id: str
    secret: SecretStr


class WeChatProvider:
    name = "wechat"

    def __init__(self, settings: Settings, app: WeChatApp | None, web: WeChatApp | None) -> None:
        self.settings = settings
        self.app = app
        self.web = web
        self.api_base = settings.wechat_api_base.rstrip("/")

    @property
    def native(self) -> bool:
        return self.app is not None

    @property
    def browser(self) -> bool:
        return self.web is not None

    async def identify(self, credential: AppCredential) -> Identity:
        assert self.app is not None
        if not credential.code:
            raise SocialTokenInvalidError(provider=self.name, problem="malformed")
        return await self.redeem(self.app, credential.code)

    def authorize_url(self, request: BrowserRequest) -> str:
        assert self.web is not None
        query = {
            "appid": self.web.app_id,
            "redirect_uri": request.redirect_uri,
            "response_type": "code",
            "scope": "snsapi_login",
            "state": request.state,
        }
        base = self.settings.wechat_open_base.rstrip("/")
        return f"{base}/connect/qrconnect?{urlencode(query)}#wechat_redirect"

    async def finish(self, params: Mapping[str, str], request: BrowserRequest) -> Identity:
        assert self.web is not None
        if not params.get("code"):  # WeChat calls back without a code when the user refuses
            raise SocialTokenInvalidError(provider=self.name, problem="denied")
        return await self.redeem(self.web, params["code"])

    async def redeem(self, app: WeChatApp, code: str) -> Identity:
        """Exchange ``code`` for the user's ids, then read the nickname."""
        grant = await self.call(
            "/sns/oauth2/access_token",
            {
                "appid": app.app_id,
                "secret": app.secret.get_secret_value(),
                "code": code,
                "grant_type": "authorization_code",
            },
        )
        openid = str(grant["openid"])
        profile = await self.call(
            "/sns/userinfo", {"access_token": str(grant["access_token"]), "openid": openid}
        )
        unionid = grant.get("unionid") or profile.get("unionid")
        # NOTE: an account keyed by openid gets a second identity once the app is bound
        # to an open-platform account and WeChat starts sending the unionid.
        subject = str(unionid) if unionid else f"openid:{app.app_id}:{openid}"
        nickname = profile.get("nickname")
        return Identity(provider=self.name, subject=subject, nickname=str(nickname or "") or None)

    async def call(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        """GET a WeChat API; its errors come as ``{errcode, errmsg}`` with status 200."""
        try:
            async with httpx.AsyncClient(timeout=self.settings.social_timeout_seconds) as client:
                response = await client.get(f"{self.api_base}{path}", params=query)
            response.raise_for_status()
            body: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SocialProviderUnavailableError(provider=self.name, detail=str(exc)) from exc
        errcode = int(body.get("errcode") or 0)
        if errcode in CODE_ERRORS:
            log.info("social.code_rejected", provider=self.name, errcode=errcode)
            raise SocialTokenInvalidError(provider=self.name, problem="code")
        if errcode:
            log.warning(
                "social.wechat_error", path=path, errcode=errcode, errmsg=body.get("errmsg")
            )
            raise SocialProviderUnavailableError(
                provider=self.name, detail=f"errcode {errcode}: {body.get('errmsg')}"
            )
        return body


def from_settings(settings: Settings) -> WeChatProvider | None:
    app = pair(settings.wechat_app_id, settings.wechat_app_secret, "WECHAT_APP")
    web = pair(settings.wechat_web_app_id, settings.wechat_web_app_secret, "WECHAT_WEB_APP")
    if app is None and web is None:
        return None
    return WeChatProvider(settings, app, web)


def pair(app_id: str | None, secret: SecretStr | None, prefix: str) -> WeChatApp | None:
    if app_id is None and secret is None:
        return None
    if app_id is None or secret is None:
        missing = f"VIDSWAP_{prefix}_ID" if app_id is None else f"VIDSWAP_{prefix}_SECRET"
        raise SettingsError(name=missing, detail=f"set it together with the other {prefix} setting")
    return WeChatApp(app_id=app_id, secret=secret)
