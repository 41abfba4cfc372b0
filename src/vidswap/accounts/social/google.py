"""Sign in with Google: ID tokens from the apps, and the authorisation-code flow with
PKCE in a browser."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import httpx
import structlog

from vidswap.accounts.social.base import AppCredential, BrowserRequest
from vidswap.accounts.social.errors import SocialProviderUnavailableError, SocialTokenInvalidError
from vidswap.accounts.social.identity import Identity, truthy
from vidswap.accounts.social.idtoken import IdTokenVerifier, TokenRules
from vidswap.kit.settings import Settings, SettingsError

log = structlog.get_logger(__name__)

ISSUERS = ("accounts.google.com", "https://accounts.google.com")


class GoogleProvider:
    name = "google"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.verifier = IdTokenVerifier(
            TokenRules(
                provider=self.name,
                keys_url=settings.google_certs_url,
                issuers=ISSUERS,
                audiences=settings.google_client_ids,
            ),
            timeout=settings.social_timeout_seconds,
        )

    native = True

    @property
    def browser(self) -> bool:
        return self.settings.google_web_client_id is not None

    async def identify(self, credential: AppCredential) -> Identity:
        if not credential.id_token:
            raise SocialTokenInvalidError(provider=self.name, problem="malformed")
        claims = await self.verifier.verify(credential.id_token, nonce=credential.nonce)
        return identity_of(claims)

    def authorize_url(self, request: BrowserRequest) -> str:
        query = {
            "client_id": self.settings.google_web_client_id,
            "redirect_uri": request.redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": request.state,
            "nonce": request.nonce,
            "code_challenge": request.code_challenge,
            "code_challenge_method": "S256",
            "prompt": "select_account",
        }
        return f"{self.settings.google_authorize_url}?{urlencode(query)}"

    async def finish(self, params: Mapping[str, str], request: BrowserRequest) -> Identity:
        if "code" not in params:
            raise SocialTokenInvalidError(provider=self.name, problem="denied")
        id_token = await self.redeem(params["code"], request)
        web_client = [str(self.settings.google_web_client_id)]
        claims = await self.verifier.verify(id_token, nonce=request.nonce, audiences=web_client)
        return identity_of(claims)

    async def redeem(self, code: str, request: BrowserRequest) -> str:
        """Exchange the callback's code for the user's ID token."""
        secret = self.settings.google_web_client_secret
        form = {
            "code": code,
            "client_id": str(self.settings.google_web_client_id),
            "client_secret": secret.get_secret_value() if secret else "",
            "redirect_uri": request.redirect_uri,
            "grant_type": "authorization_code",
            "code_verifier": request.code_verifier,
        }
        try:
            async with httpx.AsyncClient(timeout=self.settings.social_timeout_seconds) as client:
                response = await client.post(self.settings.google_token_url, data=form)
        except httpx.HTTPError as exc:
            raise SocialProviderUnavailableError(provider=self.name, detail=str(exc)) from exc
        if response.status_code >= 500:
            raise SocialProviderUnavailableError(
                provider=self.name, detail=f"token endpoint answered {response.status_code}"
            )
        body = response.json() if response.content else {}
        if response.status_code != 200 or "id_token" not in body:
            log.info("social.code_rejected", provider=self.name, error=body.get("error"))
            raise SocialTokenInvalidError(provider=self.name, problem="code")
        return str(body["id_token"])


def identity_of(claims: Mapping[str, object]) -> Identity:
    email = claims.get("email")
    return Identity(
        provider="google",
        subject=str(claims["sub"]),
        email=str(email) if email else None,
        email_verified=truthy(claims.get("email_verified")),
        nickname=str(claims["name"]) if claims.get("name") else None,
    )


def from_settings(settings: Settings) -> GoogleProvider | None:
    web_id = settings.google_web_client_id
    if not settings.google_client_ids:
        if web_id:
            raise SettingsError(
                name="VIDSWAP_GOOGLE_CLIENT_IDS", detail="Google sign-in needs the client ids"
            )
        return None
    if web_id and not settings.google_web_client_secret:
        raise SettingsError(
            name="VIDSWAP_GOOGLE_WEB_CLIENT_SECRET", detail=f"missing for the web client {web_id}"
        )
    if web_id and web_id not in settings.google_client_ids:
        raise SettingsError(
            name="VIDSWAP_GOOGLE_WEB_CLIENT_ID",
            detail=f"{web_id!r} is not one of VIDSWAP_GOOGLE_CLIENT_IDS",
        )
    return GoogleProvider(settings)
