"""Fixtures of the view-model tests: an app context on the real API in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from vidswap_app.api import ApiClient
from vidswap_app.i18n import I18n
from vidswap_app.models import Profile
from vidswap_app.uploads import FileSource
from vidswap_app.viewmodels import AppContext, CreateViewModel

from tests.app.conftest import BASE_URL, sign_in
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video


class FakeClock:
    """A monotonic clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def context(transport: httpx.ASGITransport, clock: FakeClock) -> AsyncIterator[AppContext]:
    """A signed-out app context in English."""
    async with ApiClient(BASE_URL, transport=transport) as api:
        yield AppContext(api, I18n("en"), clock=clock)


async def sign_in_context(context: AppContext) -> Profile:
    phone = await sign_in(context.api)
    profile = await context.api.get_profile()
    assert profile.phone == phone
    context.sign_in(profile)
    return profile


async def filled_create_form(context: AppContext) -> CreateViewModel:
    """Return a create form with the shared face and 1.05 s clip uploaded, consent ticked."""
    form = CreateViewModel(context)
    await form.pick("face", FileSource(shared_face(FACE)))
    await form.pick("target", FileSource(shared_video(SHORT_CLIP)))
    form.set_consent(True)
    return form
