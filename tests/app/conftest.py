"""Fixtures of the client app tests: the API client against the vidswap app in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from vidswap_app.api import ApiClient

from tests.accounts.helpers import new_phone
from tests.media.conftest import served
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
    """Sign ``api`` in with an SMS code read from the development (log) SMS provider;
    return the phone number in E.164."""
    phone = phone or new_phone()
    await api.request_sms_code(phone)
    code = last_code(phone)
    assert code is not None
    await api.login_sms(phone, code)
    return phone
