"""The Stripe settings, checked once when the provider is built."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

from vidswap.kit.settings import Settings, SettingsError

API_KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")  # secret or restricted
PUBLISHABLE_KEY_PREFIXES = ("pk_test_", "pk_live_")
WEBHOOK_SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class StripeConfig:
    api_key: str
    webhook_secret: str
    base_url: str
    publishable_key: str | None
    tolerance_seconds: int
    timeout_seconds: float

    @property
    def livemode(self) -> bool:
        return is_live(self.api_key)


def is_live(key: str) -> bool:
    return key.split("_")[1:2] == ["live"]


def config_from_settings(settings: Settings) -> StripeConfig | None:
    """Check the Stripe settings and return them, or None when neither the API key nor the
    webhook secret is set. Raise ``SettingsError`` naming the variable that is missing or
    malformed."""
    api_key = secret_value(settings.stripe_api_key)
    webhook_secret = secret_value(settings.stripe_webhook_secret)
    if api_key is None and webhook_secret is None:
        return None
    if api_key is None:
        raise SettingsError(
            name="VIDSWAP_STRIPE_API_KEY",
            detail="it is required when VIDSWAP_STRIPE_WEBHOOK_SECRET is set; "
            "set the secret key sk_test_... or sk_live_...",
        )
    if webhook_secret is None:
        raise SettingsError(
            name="VIDSWAP_STRIPE_WEBHOOK_SECRET",
            detail="it is required when VIDSWAP_STRIPE_API_KEY is set; set the signing "
            "secret whsec_... of the webhook endpoint",
        )

    check_api_key(api_key)
    check_webhook_secret(webhook_secret)
    check_publishable_key(settings.stripe_publishable_key, api_key)
    check_base_url(settings.stripe_base_url)
    if settings.stripe_webhook_tolerance_seconds <= 0:
        raise SettingsError(
            name="VIDSWAP_STRIPE_WEBHOOK_TOLERANCE_SECONDS",
            detail=f"{settings.stripe_webhook_tolerance_seconds} is not a positive number of seconds",
        )

    return StripeConfig(
        api_key=api_key,
        webhook_secret=webhook_secret,
        base_url=settings.stripe_base_url.rstrip("/"),
        publishable_key=settings.stripe_publishable_key,
        tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
        timeout_seconds=settings.payment_timeout_seconds,
    )


def secret_value(secret: SecretStr | None) -> str | None:
    value = secret.get_secret_value() if secret is not None else None
    return value or None


def check_api_key(api_key: str) -> None:
    if not api_key.startswith(API_KEY_PREFIXES) or api_key != api_key.strip():
        raise SettingsError(
            name="VIDSWAP_STRIPE_API_KEY",
            detail="expected a secret key sk_test_... or sk_live_... (or a restricted key "
            "rk_...) without spaces; a publishable key pk_... cannot call the API",
        )


def check_webhook_secret(webhook_secret: str) -> None:
    # A trailing newline or space is a common copy error and makes every signature fail.
    if (
        not webhook_secret.startswith(WEBHOOK_SECRET_PREFIX)
        or webhook_secret != webhook_secret.strip()
    ):
        raise SettingsError(
            name="VIDSWAP_STRIPE_WEBHOOK_SECRET",
            detail="expected the endpoint's signing secret whsec_... without spaces or newlines",
        )


def check_publishable_key(publishable_key: str | None, api_key: str) -> None:
    if publishable_key is None:
        return
    if not publishable_key.startswith(PUBLISHABLE_KEY_PREFIXES):
        raise SettingsError(
            name="VIDSWAP_STRIPE_PUBLISHABLE_KEY", detail="expected pk_test_... or pk_live_..."
        )
    if is_live(publishable_key) != is_live(api_key):
        raise SettingsError(
            name="VIDSWAP_STRIPE_PUBLISHABLE_KEY",
            detail="it is from another mode (test or live) than VIDSWAP_STRIPE_API_KEY",
        )


def check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            name="VIDSWAP_STRIPE_BASE_URL",
            detail=f"{base_url!r} is not an http(s) URL such as https://api.stripe.com",
        )
