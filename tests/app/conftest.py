"""Fixtures of the client app tests: the API client and an app context against the vidswap
app in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
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
from vidswap.jobs.models import Task
from vidswap.kit.settings import Settings
from vidswap.media.keys import result_key, thumbnail_key
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


# A stand-in result file: the client tests check links and bytes, not the video.
RESULT_BYTES = bytes(range(256)) * 16
THUMBNAIL_BYTES = b"\xff\xd8\xff\xe0 stand-in thumbnail"


async def complete_task(runtime: Runtime, task_id: str, tmp_path: Path) -> None:
    """Store a result and a thumbnail for ``task_id`` and mark it completed, as a worker
    would, so the client sees its signed media links."""
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        user_id = task.user_id
    result_file = tmp_path / f"{task_id}.mp4"
    result_file.write_bytes(RESULT_BYTES)
    thumbnail_file = tmp_path / f"{task_id}.jpg"
    thumbnail_file.write_bytes(THUMBNAIL_BYTES)
    runtime.storage.put_file(result_key(user_id, task_id), result_file, "video/mp4")
    runtime.storage.put_file(thumbnail_key(user_id, task_id), thumbnail_file, "image/jpeg")
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(
                status="completed",
                progress=100,
                result_key=result_key(user_id, task_id),
                thumbnail_key=thumbnail_key(user_id, task_id),
                result_size=len(RESULT_BYTES),
            )
        )
