"""Settings of Apple, Google and WeChat sign-in, mixed into ``Settings``.

A provider is offered to clients once its credentials are set. Its addresses are
settings so tests and staging can point it at a stand-in.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class SocialSettings(BaseModel):
    apple_client_ids: list[str] = Field(
        default_factory=list,
        description="Audiences accepted in Apple identity tokens: the iOS bundle id and "
        "the Services ID. Empty: Sign in with Apple is off.",
    )
    apple_web_client_id: str | None = Field(
        default=None,
        description="The Services ID the browser sign-in asks Apple for; one of "
        "apple_client_ids. Unset: the apps sign in with Apple, browsers do not.",
    )
    apple_base_url: str = "https://appleid.apple.com"

    google_client_ids: list[str] = Field(
        default_factory=list,
        description="OAuth client ids accepted as the audience of Google ID tokens "
        "(the web/server client id the apps request tokens for). Empty: Google is off.",
    )
    google_web_client_id: str | None = Field(
        default=None, description="The web client id of the browser sign-in."
    )
    google_web_client_secret: SecretStr | None = None
    google_authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_certs_url: str = "https://www.googleapis.com/oauth2/v3/certs"

    wechat_app_id: str | None = Field(
        default=None, description="AppID of the mobile app on the WeChat open platform."
    )
    wechat_app_secret: SecretStr | None = None
    wechat_web_app_id: str | None = Field(
        default=None,
        description="AppID of the website application (QR code sign-in in a browser).",
    )
    wechat_web_app_secret: SecretStr | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_open_base: str = "https://open.weixin.qq.com"

    social_timeout_seconds: float = 10.0
    social_handoff_minutes: int = Field(
        default=10, description="How long a browser sign-in may take before it must restart."
    )
