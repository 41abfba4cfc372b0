"""Profile screen: nickname, avatar, membership, Energy and its history, language, theme,
sign-out and account deletion."""

from __future__ import annotations

from typing import Literal

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


class ProfileViewModel(ViewModel):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.energy: Energy | None = None
        self.nickname = context.profile.nickname if context.profile else ""
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
        if energy is not None:
            self.energy = energy
            self.loaded = True
        self.notify()

    async def save_nickname(self) -> None:
        nickname = self.nickname.strip()
        profile = await self.call(lambda: self.context.api.update_profile(nickname=nickname))
        if profile is not None:
            self.context.set_profile(profile)
            self.say("profile.nickname_saved")
        self.notify()

    async def set_avatar(self, filename: str, data: bytes, content_type: str) -> None:
        api = self.context.api
        profile = await self.call(lambda: api.upload_avatar(filename, data, content_type))
        if profile is not None:
            self.context.set_profile(profile)
        self.notify()

    async def remove_avatar(self) -> None:
        profile = await self.call(self.context.api.delete_avatar)
        if profile is not None:
            self.context.set_profile(profile)
        self.notify()

    @property
    def avatar_url(self) -> str | None:
        """The signed URL of the avatar picture, or None when there is none."""
        profile = self.profile
        return self.context.api.media_url(profile.avatar_url) if profile else None

    async def set_language(self, locale: str) -> None:
        """Switch the app's language at once, and store it on the account with
        ``PATCH /users/me`` so the server knows it too."""
        self.context.i18n.set_locale(locale)
        if self.context.signed_in:
            await self.call(lambda: self.context.api.update_profile(locale=locale))
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
        """Return the reason, the time and the signed change of a history row."""
        key = f"energy.reason.{entry.reason}"
        reason = self.t(key) if self.context.i18n.has(key) else entry.reason
        when = (
            format_datetime(entry.created_at, self.context.i18n.locale) if entry.created_at else ""
        )
        return reason, when, format_change(entry.delta, self.context.i18n.locale)
