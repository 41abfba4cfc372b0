"""Sign-in screen: phone and SMS code with a resend countdown, password, sign-up, and
Apple, Google or WeChat in a browser where the server offers them."""

from __future__ import annotations

import math
from typing import Literal

import structlog

from vidswap_app.errors import ClientError
from vidswap_app.models import Profile
from vidswap_app.social import BrowserSignIn, browser_providers
from vidswap_app.viewmodels.base import ViewModel
from vidswap_app.viewmodels.context import AppContext

log = structlog.get_logger(__name__)

Mode = Literal["sms", "password", "signup"]
# The countdown when POST /auth/sms-codes returns resend_after 0 (the server default is 60 s).
DEFAULT_RESEND_SECONDS = 60
# Seconds between the app's checks whether the user finished signing in at the provider.
POLL_SECONDS = 2.0


class SignInViewModel(ViewModel):
    """The sign-in form. It survives an expired session, so what was typed stays."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.mode: Mode = "sms"
        self.phone = ""
        self.code = ""
        self.account = ""
        self.password = ""
        self.email = ""
        self.nickname = ""
        self.sending_code = False
        self.submitting = False
        self.show_password = False
        self._resend_at: float | None = None
        self.providers: list[str] = []
        self.waiting_for: str | None = None
        self._handoff: BrowserSignIn | None = None
        self._handoff_deadline = 0.0

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.error = None
        self.clear_notice()
        self.notify()

    def toggle_password(self) -> None:
        """Show the password in plain text, or hide it again."""
        self.show_password = not self.show_password
        self.notify()

    def show_error(self, text: str) -> None:
        """Show ``text`` as the form's error. The notice goes, because a "code sent"
        line beside a red error reads as if both were current."""
        self.error = text
        self.clear_notice()

    def _fail(self, exc: ClientError) -> None:
        """Keep a failed request's message as the error, dropping the notice as show_error does."""
        super()._fail(exc)
        self.clear_notice()

    # --- SMS code -------------------------------------------------------------------

    @property
    def resend_seconds_left(self) -> int:
        """Whole seconds until another code may be requested, 0 when it may be now."""
        if self._resend_at is None:
            return 0
        return max(0, math.ceil(self._resend_at - self.context.clock()))

    @property
    def can_send_code(self) -> bool:
        return not self.sending_code and self.resend_seconds_left == 0

    @property
    def send_code_label(self) -> str:
        seconds = self.resend_seconds_left
        if seconds:
            return self.t("signin.resend_in", seconds=seconds)
        return self.t("signin.send_code")

    async def send_code(self) -> bool:
        """Request an SMS code and return whether one was sent. Does nothing during the countdown."""
        if not self.can_send_code:
            return False
        phone = self.phone.strip()
        if not phone:
            self.show_error(self.t("signin.phone_missing"))
            self.notify()
            return False
        self.sending_code = True
        self.clear_notice()
        self.notify()
        try:
            resend_after = await self.call(lambda: self.context.api.request_sms_code(phone))
        finally:
            self.sending_code = False
        if resend_after is not None:
            self._resend_at = self.context.clock() + (resend_after or DEFAULT_RESEND_SECONDS)
            # call() cleared the error of the last attempt, so the notice shows alone.
            self.say("signin.code_sent", phone=phone)
        self.notify()
        return resend_after is not None

    # --- submit ---------------------------------------------------------------------

    async def submit(self) -> Profile | None:
        """Sign in (or up) with the current mode's fields, and on success sign the app
        context in. A second tap while the first is running does nothing."""
        if self.submitting:
            return None
        problem = self._missing_field()
        if problem:
            self.show_error(self.t(problem))
            self.notify()
            return None
        self.submitting = True
        self.notify()
        try:
            profile = await self.call(self._send)
        finally:
            self.submitting = False
        if profile is not None:
            self.password = ""
            self.show_password = False
            self.code = ""
            self.clear_notice()
            self.context.sign_in(profile)
        self.notify()
        return profile

    def _missing_field(self) -> str | None:
        """Return the catalogue key of the first missing field, or None."""
        if self.mode == "sms":
            if not self.phone.strip():
                return "signin.phone_missing"
            if not self.code.strip():
                return "signin.code_missing"
        elif self.mode == "password":
            if not self.account.strip():
                return "signin.account_missing"
            if not self.password:
                return "signin.password_missing"
        else:
            if not self.email.strip() and not self.phone.strip():
                return "signin.signup_account_missing"
            if not self.password:
                return "signin.password_missing"
        return None

    async def _send(self) -> Profile:
        api = self.context.api
        if self.mode == "sms":
            return await api.login_sms(self.phone.strip(), self.code.strip())
        if self.mode == "password":
            return await api.login_password(self.account.strip(), self.password)
        return await api.register(
            self.password,
            email=self.email.strip() or None,
            phone=self.phone.strip() or None,
            nickname=self.nickname.strip() or None,
        )

    # --- Apple, Google, WeChat ---------------------------------------------------------

    async def load_providers(self) -> None:
        """Ask the server which third-party sign-ins it offers. A failure hides the
        buttons and leaves the screen's error alone: the other sign-ins still work."""
        try:
            options = await self.context.api.sign_in_options()
        except ClientError as exc:
            log.info("signin.providers_unavailable", error=exc.code)
            return
        self.providers = browser_providers(options)
        self.notify()

    async def start_social(self, provider: str) -> str | None:
        """Start a browser sign-in and return the page to open; None when one is already
        running (a double tap) or the server refused."""
        if self.waiting_for is not None:
            return None
        self.waiting_for = provider
        self.clear_notice()
        self.notify()
        started = await self.call(lambda: self.context.api.start_browser_sign_in(provider))
        if started is None:
            self.waiting_for = None
            self.notify()
            return None
        self._handoff = started
        self._handoff_deadline = self.context.clock() + started.expires_in
        self.say("signin.social_waiting", provider=lambda: self.t(f"signin.{provider}"))
        self.notify()
        return started.authorize_url

    async def poll_social(self) -> Profile | None:
        """Ask once whether the user finished at the provider; sign in when they did."""
        started, provider = self._handoff, self.waiting_for
        if started is None or provider is None:
            return None
        if self.context.clock() > self._handoff_deadline:
            self._end_social()
            self.show_error(self.t("signin.social_expired", provider=self.t(f"signin.{provider}")))
            self.notify()
            return None
        profile = await self.call(lambda: self.context.api.collect_browser_sign_in(started))
        if profile is None and self.failure is None:
            return None  # still at the provider
        self._end_social()
        if profile is not None:
            self.context.sign_in(profile)
        self.notify()
        return profile

    def cancel_social(self) -> None:
        """Stop waiting; the sign-in at the provider, if finished later, is never collected."""
        self._end_social()
        self.notify()

    def _end_social(self) -> None:
        self.waiting_for = None
        self._handoff = None
        self.clear_notice()
