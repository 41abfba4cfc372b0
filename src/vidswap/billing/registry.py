"""The payment providers this process offers, built once from settings."""

from __future__ import annotations

import importlib

from vidswap.billing.errors import ProviderNotAvailableError
from vidswap.billing.providers.base import PaymentProvider
from vidswap.billing.providers.sandbox import SandboxProvider
from vidswap.kit.settings import Settings

# Modules under vidswap.billing.providers with a ``from_settings(settings)`` factory.
CONFIGURABLE = ("stripe", "wechatpay", "alipay")


class Providers:
    def __init__(self, providers: dict[str, PaymentProvider]) -> None:
        self._providers = providers

    @classmethod
    def from_settings(cls, settings: Settings) -> Providers:
        """Build every provider whose credentials are set, and the sandbox where it is on.
        A provider configured only in part raises ``SettingsError`` naming the variable."""
        found: dict[str, PaymentProvider] = {}
        for name in CONFIGURABLE:
            provider = _load(name, settings)
            if provider is not None:
                found[name] = provider
        if settings.sandbox_enabled:
            found["sandbox"] = SandboxProvider()
        return cls(found)

    @property
    def names(self) -> list[str]:
        return sorted(self._providers)

    def get(self, name: str) -> PaymentProvider:
        provider = self._providers.get(name)
        if provider is None:
            raise ProviderNotAvailableError(provider=name, choices=", ".join(self.names) or "-")
        return provider

    def all(self) -> list[PaymentProvider]:
        return [self._providers[name] for name in self.names]


def _load(name: str, settings: Settings) -> PaymentProvider | None:
    # Every module in CONFIGURABLE ships with vidswap, so an import error is a real fault.
    module = importlib.import_module(f"vidswap.billing.providers.{name}")
    provider: PaymentProvider | None = module.from_settings(settings)
    return provider
