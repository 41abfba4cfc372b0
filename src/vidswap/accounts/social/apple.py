"""Sign in with Apple: identity tokens from the apps, and Apple's web sign-in, whose
callback posts the identity token straight back (``response_mode=form_post``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from urllib.parse import urlencode

from vidswap.accounts.social.base import AppCredential, BrowserRequest
from vidswap.accounts.social.errors import SocialTokenInvalidError
from vidswap.accounts.social.identity import Identity, truthy
from vidswap.accounts.social.idtoken import IdTokenVerifier, TokenRules
from vidswap.kit.settings import Settings, SettingsError

# The issuer is Apple's fixed name, also when apple_base_url points at a stand-in.
ISSUER = "https://appleid.apple.com"


class AppleProvider:
    name = "apple"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        base = settings.apple_base_url.rstrip("/")
        self.base = base
        self.verifier = IdTokenVerifier(
            TokenRules(
                provider=self.name,
                keys_url=f"{base}/auth/keys",
                issuers=(ISSUER,),
                audiences=settings.apple_client_ids,
                hashed_nonce=True,
            ),
            timeout=settings.social_timeout_seconds,
        )

    native = True

    @property
    def browser(self) -> bool:
        return self.settings.apple_web_client_id is not None

    async def identify(self, credential: AppCredential) -> Identity:
        if not credential.id_token:
            raise SocialTokenInvalidError(provider=self.name, problem="malformed")
        claims = await self.verifier.verify(credential.id_token, nonce=credential.nonce)
        # Apple gives the name to the app on the first sign-in only, never in the token.
        return identity_of(claims, credential.nickname)

    def authorize_url(self, request: BrowserRequest) -> str:
        query = {
            "client_id": self.settings.apple_web_client_id,
            "redirect_uri": request.redirect_uri,
            "response_type": "code id_token",
            "response_mode": "form_post",
            "scope": "name email",
            "state": request.state,
            "nonce": hashlib.sha256(request.nonce.encode()).hexdigest(),
        }
        return f"{self.base}/auth/authorize?{urlencode(query)}"

    async def finish(self, params: Mapping[str, str], request: BrowserRequest) -> Identity:
        # NOTE: the authorisation code is not redeemed: that needs the team's .p8 key,
        # and the identity token Apple posts along already proves who signed in.
        if "id_token" not in params:
            raise SocialTokenInvalidError(provider=self.name, problem="denied")
        web_client = [str(self.settings.apple_web_client_id)]
        claims = await self.verifier.verify(
            params["id_token"], nonce=request.nonce, audiences=web_client
        )
        return identity_of(claims, name_in(params.get("user")))


def name_in(user_json: str | None) -> str | None:
    """Read the name from the ``user`` field Apple posts on the first sign-in."""
    if not user_json:
        return None
    try:
        name = json.loads(user_json).get("name") or {}
    except (ValueError, AttributeError):
        return None
    parts = [name.get("firstName"), name.get("lastName")] if isinstance(name, dict) else []
    full = " ".join(str(part) for part in parts if part)
    return full or None


def identity_of(claims: Mapping[str, object], nickname: str | None) -> Identity:
    email = claims.get("email")
    return Identity(
        provider="apple",
        subject=str(claims["sub"]),
        email=str(email) if email else None,
        email_verified=truthy(claims.get("email_verified")),
        nickname=nickname,
    )


def from_settings(settings: Settings) -> AppleProvider | None:
    web_id = settings.apple_web_client_id
    if not settings.apple_client_ids:
        if web_id:
            raise SettingsError(
                name="VIDSWAP_APPLE_CLIENT_IDS", detail="Sign in with Apple needs the client ids"
            )
        return None
    if web_id and web_id not in settings.apple_client_ids:
        raise SettingsError(
            name="VIDSWAP_APPLE_WEB_CLIENT_ID",
            detail=f"{web_id!r} is not one of VIDSWAP_APPLE_CLIENT_IDS",
        )
    return AppleProvider(settings)
