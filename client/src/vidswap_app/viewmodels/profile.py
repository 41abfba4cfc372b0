"""Profile screen: nickname, avatar, membership, Energy and its history, language, theme,
sign-out and account deletion."""

from __future__ import annotations

import dataclasses
from typing import Literal

from vidswap_app.errors import ApiError
from vidswap_app.i18n import (
    SUPPORTED_LOCALES,
    format_change,
    format_date,
    format_datetime,
    format_number,
)
from vidswap_app.models import Energy, EnergyEntry, Profile
from vidswap_app.viewmodels.base import ViewModel
from vidswap_app.viewmodels.context import AppContext

ThemeChoice = Literal["system", "light", "dark"]
# The reference prefix of the sign-up gift's grant; an order's grant has the bare order id.
SIGNUP_REFERENCE_PREFIX = "signup:"


def entry_source(entry: EnergyEntry) -> str:
    """Return what caused a ledger entry: ``signup`` or ``purchase`` for a grant whose
    reference shows it, else the entry's reason (``grant``, ``spend``, ``revoke``, ...)."""
    if entry.reason != "grant":
        return entry.reason
    if entry.reference.startswith(SIGNUP_REFERENCE_PREFIX):
        return "signup"
    if entry.reference and ":" not in entry.reference:
        return "purchase"
    return "grant"


class ProfileViewModel(ViewModel):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.energy: Energy | None = None
        self.nickname = context.profile.nickname if context.profile else ""
        # The server's reason for rejecting the last nickname, shown under the field.
        self.nickname_error: str | None = None
        self.theme: ThemeChoice = "system"
        self.confirming_delete = False
        self.busy = False
        self.loaded = False

    @property
    def profile(self) -> Profile | None:
        return self.context.profile

    async def load(self) -> None:
        api = self.context.api
        profile = await self.call(api.get_profile)
        energy = await self.call(api.energy) if profile is not None else None
        if profile is not None:
            self.context.set_profile(profile)
            self.nickname = profile.nickname
            self.nickname_error = None
        if energy is not None:
            self.energy = energy
            self.loaded = True
        self.notify()

    async def save_nickname(self) -> None:
        nickname = self.nickname.strip()
        # A notice from an earlier save would read as the result of this one.
        self.clear_notice()
        self.nickname_error = None
        profile = await self.call(lambda: self.context.api.update_profile(nickname=nickname))
        if profile is not None:
            self._use_changed(profile)
            self.say("profile.nickname_saved")
        elif isinstance(self.failure, ApiError):
            # The screen's error line sits at the bottom, out of sight on a small screen.
            self.nickname_error, self.error = self.error, None
        self.notify()

    async def set_avatar(self, filename: str, data: bytes, content_type: str) -> None:
        api = self.context.api
        profile = await self.call(lambda: api.upload_avatar(filename, data, content_type))
        if profile is not None:
            self._use_changed(profile)
        self.notify()

    async def remove_avatar(self) -> None:
        profile = await self.call(self.context.api.delete_avatar)
        if profile is not None:
            self._use_changed(profile)
        self.notify()

    def _use_changed(self, profile: Profile) -> None:
        """Store the profile that a change returned. Only GET /users/me sends the level's
        name, so the name read before is kept while the level is the same."""
        current = self.context.profile
        if (
            profile.member_level_name is None
            and current is not None
            and current.member_level == profile.member_level
        ):
            profile = dataclasses.replace(profile, member_level_name=current.member_level_name)
        self.context.set_profile(profile)

    @property
    def avatar_url(self) -> str | None:
        """The signed URL of the avatar picture, or None when there is none."""
        profile = self.profile
        return self.context.api.media_url(profile.avatar_url) if profile else None

    async def set_language(self, locale: str) -> None:
        """Switch the app's language at once, and store it on the account with
        ``PATCH /users/me`` so the server knows it too."""
        self.context.i18n.set_locale(locale)
        # The server wrote the nickname error in the language being left.
        self.nickname_error = None
        api = self.context.api
        if self.context.signed_in:
            updated = await self.call(lambda: api.update_profile(locale=locale))
            # The level's name comes in the request's language, so it is read again.
            profile = await self.call(api.get_profile) if updated is not None else None
            if profile is not None:
                self.context.set_profile(profile)
        self.notify()

    def set_theme(self, theme: ThemeChoice) -> None:
        self.theme = theme
        self.notify()

    async def sign_out(self) -> None:
        await self.context.api.logout()
        self.context.sign_out()

    def ask_delete(self) -> None:
        self.confirming_delete = True
        self.notify()

    def keep_account(self) -> None:
        self.confirming_delete = False
        self.notify()

    async def confirm_delete(self) -> bool:
        """Erase the account once the user has confirmed, and return whether it was erased."""
        if not self.confirming_delete or self.busy:
            return False
        self.busy = True
        try:
            await self.call(self.context.api.delete_account)
        finally:
            self.busy = False
            self.confirming_delete = False
        erased = self.failure is None
        if erased:
            self.context.sign_out()
        self.notify()
        return erased

    # --- texts ------------------------------------------------------------------------

    @property
    def languages(self) -> list[tuple[str, str]]:
        """Return (locale, name in its own language) for each catalogue."""
        return [(locale, self.t(f"language.{locale}")) for locale in SUPPORTED_LOCALES]

    @property
    def level_text(self) -> str:
        level = self.profile.member_level if self.profile else 0
        if not level:
            return self.t("profile.level_free")
        name = self.profile.member_level_name if self.profile else None
        if name:
            return self.t("profile.level_named", name=name)
        return self.t("profile.level", level=level)

    @property
    def expiry_text(self) -> str | None:
        if self.profile is None or self.profile.member_expire_at is None:
            return None
        date = format_date(self.profile.member_expire_at, self.context.i18n.locale)
        return self.t("profile.expires", date=date)

    @property
    def balance_text(self) -> str:
        balance = self.profile.energy_balance if self.profile else 0
        locale = self.context.i18n.locale
        return self.t("profile.energy_balance", balance=format_number(balance, locale))

    def entry_text(self, entry: EnergyEntry) -> tuple[str, str, str]:
        """Return the source, the time and the signed change of a history row."""
        key = f"energy.reason.{entry_source(entry)}"
        if entry.reason == "adjust" and entry.note:
            reason = self.t("energy.reason.adjust_note", note=entry.note)
        elif self.context.i18n.has(key):
            reason = self.t(key)
        else:
            reason = entry.reason
        when = (
            format_datetime(entry.created_at, self.context.i18n.locale) if entry.created_at else ""
        )
        return reason, when, format_change(entry.delta, self.context.i18n.locale)
