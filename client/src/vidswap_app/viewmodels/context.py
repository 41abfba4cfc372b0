"""State shared by every screen: the API client, the language, the signed-in user."""

from __future__ import annotations

import time
from collections.abc import Callable

from vidswap_app.api import ApiClient
from vidswap_app.i18n import I18n
from vidswap_app.models import Profile, Task
from vidswap_app.signals import Signal


class AppContext:
    """The app's shared state and the app-wide signals that screens react to.

    ``clock`` returns seconds on a monotonic scale (``time.monotonic`` by default), and
    tests pass a fake one to move countdowns on.
    """

    def __init__(
        self,
        api: ApiClient,
        i18n: I18n,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.i18n = i18n
        self.clock = clock
        self.profile: Profile | None = None
        self.signed_in = False
        self.session_expired = False
        self.session_ended: Signal[None] = Signal()
        self.signed_in_as: Signal[Profile] = Signal()
        self.profile_changed: Signal[Profile | None] = Signal()
        self.task_created: Signal[Task] = Signal()
        self.task_finished: Signal[Task] = Signal()
        api.locale = i18n.locale
        i18n.on_change(self._use_locale)

    def _use_locale(self, locale: str) -> None:
        self.api.locale = locale

    def expire_session(self) -> None:
        """End the session after a failed refresh. The app shows sign-in, and every
        screen's view model keeps its state, so forms are still filled in afterwards."""
        if self.session_expired:
            return
        self.signed_in = False
        self.session_expired = True
        self.session_ended.emit(None)

    def sign_in(self, profile: Profile) -> None:
        self.signed_in = True
        self.session_expired = False
        self.set_profile(profile)
        self.signed_in_as.emit(profile)

    def sign_out(self) -> None:
        self.signed_in = False
        self.session_expired = False
        self.set_profile(None)
        self.session_ended.emit(None)

    def set_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        self.profile_changed.emit(profile)
