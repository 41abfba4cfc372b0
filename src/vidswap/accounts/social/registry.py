"""The sign-in providers this process offers, built once from settings."""

from __future__ import annotations

from vidswap.accounts.social import apple, google, wechat
from vidswap.accounts.social.base import SocialProvider
from vidswap.accounts.social.errors import SocialProviderOffError
from vidswap.kit.settings import Settings

NAMES = ("apple", "google", "wechat")


class SocialProviders:
    def __init__(self, providers: dict[str, SocialProvider]) -> None:
        self._providers = providers

    @classmethod
    def from_settings(cls, settings: Settings) -> SocialProviders:
        """Build every provider whose credentials are set. One configured only in part
        raises ``SettingsError`` naming the variable."""
        built: dict[str, SocialProvider | None] = {
            "apple": apple.from_settings(settings),
            "google": google.from_settings(settings),
            "wechat": wechat.from_settings(settings),
        }
        return cls({name: provider for name, provider in built.items() if provider})

    def all(self) -> list[SocialProvider]:
        return [self._providers[name] for name in NAMES if name in self._providers]

    def native(self, name: str) -> SocialProvider:
        provider = self._providers.get(name)
        if provider is None or not provider.native:
            raise SocialProviderOffError(provider=name)
        return provider

    def browser(self, name: str) -> SocialProvider:
        provider = self._providers.get(name)
        if provider is None or not provider.browser:
            raise SocialProviderOffError(provider=name)
        return provider
