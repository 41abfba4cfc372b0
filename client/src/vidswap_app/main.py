"""Entry point of the vidswap app: ``main(page)`` builds the app on a Flet page.

``vidswap serve`` mounts it at ``/app`` and ``vidswap app`` serves it alone (both with
``no_cdn``). ``vidswap-app`` opens it as a desktop window, and ``flet build`` packages
it for iOS, Android and macOS. The REST API is at ``VIDSWAP_APP_API_URL``, else at the
URL written into the build by ``python -m vidswap_app.config`` (see ``vidswap_app.config``).
"""

from __future__ import annotations

import flet as ft
import structlog

from vidswap_app.api import ApiClient
from vidswap_app.config import api_url
from vidswap_app.errors import Offline, SessionExpired
from vidswap_app.i18n import I18n, normalize_locale
from vidswap_app.tokens import PreferencesTokenStore
from vidswap_app.viewmodels import AppContext
from vidswap_app.views.common import offline_state, themes
from vidswap_app.views.shell import AppShell

log = structlog.get_logger(__name__)

LOCALE_KEY = "vidswap.locale"


async def device_locale(page: ft.Page) -> str | None:
    """Return the device's first preferred language as a tag (``zh-Hans-CN``), if known."""
    info = await page.get_device_info()
    if info is None or not info.locales:
        return None
    first = info.locales[0]
    parts = [first.language_code, first.script_code, first.country_code]
    return "-".join(part for part in parts if part)


async def main(page: ft.Page) -> None:
    """Build the app on ``page``: language, theme, stored session, then the first screen."""
    preferences = ft.SharedPreferences()
    chosen = await preferences.get(LOCALE_KEY)
    detected = await device_locale(page)
    i18n = I18n(chosen if isinstance(chosen, str) else detected)
    log.info("app.started", api_url=api_url(), locale=i18n.locale, web=page.web)

    api = ApiClient(api_url(), PreferencesTokenStore(preferences), locale=i18n.locale)
    context = AppContext(api, i18n)
    light, dark = themes()
    page.theme, page.dark_theme = light, dark
    page.theme_mode = ft.ThemeMode.SYSTEM
    page.padding = 0
    shell = AppShell(page, context)

    async def remember_locale(locale: str) -> None:
        await preferences.set(LOCALE_KEY, locale)

    following_device = False

    def on_locale(locale: str) -> None:
        if not following_device:
            page.run_task(remember_locale, locale)

    def on_device_locale(event: ft.LocaleChangeEvent) -> None:
        """Follow the device's language until the user picks one in settings."""
        nonlocal following_device
        if not event.locales or chosen:
            return
        following_device = True
        i18n.set_locale(normalize_locale(event.locales[0].language_code))
        following_device = False

    async def on_close(_: ft.Event[ft.Page]) -> None:
        await shell.listener.stop()
        await api.close()

    i18n.on_change(on_locale)
    page.on_resize = lambda _: shell.on_resize()
    page.on_locale_change = on_device_locale
    page.on_close = on_close
    await restore_session(page, context, shell)


async def restore_session(page: ft.Page, context: AppContext, shell: AppShell) -> None:
    """Sign in with stored tokens when they still work, else show sign-in. When the
    server cannot be reached, show that plainly with a retry button."""
    if not await context.api.is_signed_in():
        shell.render()
        return
    try:
        profile = await context.api.get_profile()
    except SessionExpired:
        shell.render()
        return
    except Offline as exc:
        t = context.i18n.t

        async def retry() -> None:
            await restore_session(page, context, shell)

        page.controls.clear()
        page.controls.append(
            offline_state(t("offline.title"), exc.message, t("common.retry"), retry)
        )
        page.update()
        return
    context.sign_in(profile)


def run() -> None:
    """Open the app in a desktop window (the ``vidswap-app`` command)."""
    ft.run(main)
