"""Fixtures of the client app tests: the API client and an app context against the vidswap
app in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from vidswap_app.api import ApiClient
from vidswap_app.i18n import I18n
from vidswap_app.models import Profile
from vidswap_app.uploads import FileSource
from vidswap_app.viewmodels import AppContext, CreateViewModel

from tests.accounts.helpers import new_phone
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.media.conftest import served
from tests.shared_media import shared_face, shared_video
from vidswap.accounts.sms.log import last_code
from vidswap.api.app import create_app
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

BASE_URL = "http://127.0.0.1"


@pytest.fixture
async def transport(settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.ASGITransport]:
    """An httpx transport into the vidswap app, with the runtime started."""
    await runtime.start()
    yield httpx.ASGITransport(app=create_app(settings, runtime))
    await runtime.stop()


@pytest.fixture
async def api(transport: httpx.ASGITransport) -> AsyncIterator[ApiClient]:
    """A signed-out client speaking English."""
    async with ApiClient(BASE_URL, locale="en", transport=transport) as value:
        yield value


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    """The vidswap app served by uvicorn on 127.0.0.1, for WebSocket and tus tests."""
    with served(settings) as base_url:
        yield base_url


async def sign_in(api: ApiClient, phone: str | None = None) -> str:
    """Sign ``api`` in with an SMS code read from the development (log) SMS provider, and
    return the phone number in E.164."""
    phone = phone or new_phone()
    await api.request_sms_code(phone)
    code = last_code(phone)
    assert code is not None
    await api.login_sms(phone, code)
    return phone


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
