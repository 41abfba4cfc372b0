"""Third-party sign-in as the server offers it: which providers, and the browser flow's
hand-off (open the provider's page, then collect the tokens with a secret)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROVIDER_ORDER = ("wechat", "apple", "google")


@dataclass(frozen=True)
class SignInOption:
    name: str
    app: bool
    browser: bool

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> SignInOption:
        return cls(str(body["name"]), bool(body.get("app")), bool(body.get("browser")))


@dataclass(frozen=True)
class BrowserSignIn:
    handoff_id: str
    secret: str
    authorize_url: str
    expires_in: int

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> BrowserSignIn:
        return cls(
            str(body["handoff_id"]),
            str(body["secret"]),
            str(body["authorize_url"]),
            int(body["expires_in"]),
        )


def browser_providers(options: list[SignInOption]) -> list[str]:
    """Return the providers this app can use, WeChat first. The app has no native
    provider SDKs (Flet 1.0 ships none), so each one needs the browser sign-in."""
    usable = {option.name for option in options if option.browser}
    return [name for name in PROVIDER_ORDER if name in usable]
