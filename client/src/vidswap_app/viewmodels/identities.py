"""Sign-in methods on the profile screen: link Apple, Google or WeChat to the account
through the browser, or unlink one."""

from __future__ import annotations

import structlog

from vidswap_app.errors import ClientError
from vidswap_app.social import BrowserSignIn, browser_providers
from vidswap_app.viewmodels.base import ViewModel
from vidswap_app.viewmodels.context import AppContext

log = structlog.get_logger(__name__)


class IdentitiesViewModel(ViewModel):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.offered: list[str] = []
        self.linked: list[str] = []
        self.linking: str | None = None
        self.busy = False
        self._handoff: BrowserSignIn | None = None
        self._deadline = 0.0

    def provider_name(self, provider: str) -> str:
        return self.t(f"signin.{provider}")

    async def load(self) -> None:
        """Read the providers the server offers and those linked. A failure hides the card."""
        api = self.context.api
        try:
            self.offered = browser_providers(await api.sign_in_options())
            self.linked = await api.linked_providers() if self.offered else []
        except ClientError as exc:
            log.info("identities.unavailable", error=exc.code)
            self.offered = []
        self.notify()

    async def start_link(self, provider: str) -> str | None:
        """Start linking and return the page to open; None on a double tap or a refusal."""
        if self.linking is not None or self.busy:
            return None
        self.linking = provider
        self.clear_notice()
        started = await self.call(lambda: self.context.api.start_link(provider))
        if started is None:
            self.linking = None
            self.notify()
            return None
        self._handoff = started
        self._deadline = self.context.clock() + started.expires_in
        self.say("profile.link_waiting", provider=lambda: self.provider_name(provider))
        self.notify()
        return started.authorize_url

    async def poll_link(self) -> bool:
        """Ask once whether the user finished at the provider; True once linked."""
        started, provider = self._handoff, self.linking
        if started is None or provider is None:
            return False
        if self.context.clock() > self._deadline:
            self._end()
            self.error = self.t("signin.social_expired", provider=self.provider_name(provider))
            self.notify()
            return False
        linked = await self.call(lambda: self.context.api.collect_link(started))
        if linked is None and self.failure is None:
            return False
        self._end()
        if linked is not None:
            self.linked = linked
            self.say("profile.link_done", provider=lambda: self.provider_name(provider))
        self.notify()
        return linked is not None

    def cancel_link(self) -> None:
        self._end()
        self.notify()

    async def unlink(self, provider: str) -> None:
        if self.busy or self.linking is not None:
            return
        self.busy = True
        self.clear_notice()
        self.notify()
        try:
            await self.call(lambda: self.context.api.unlink(provider))
        finally:
            self.busy = False
        if self.failure is None:
            self.linked = [name for name in self.linked if name != provider]
            self.say("profile.unlinked", provider=lambda: self.provider_name(provider))
        self.notify()

    def _end(self) -> None:
        self.linking = None
        self._handoff = None
        self.clear_notice()
