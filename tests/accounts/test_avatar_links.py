"""The avatar's signed link, its removal, on local files and on S3."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from tests.accounts.test_profile import AVATAR, ME, upload_avatar
from tests.conftest import auth_headers, create_user
from tests.shared_media import shared_face
from tests.storage_backends import backend_client
from vidswap.accounts.models import User
from vidswap.kit.clock import utcnow
from vidswap.media.links import LinkSigner
from vidswap.runtime import Runtime

PHOTO = "grace-hopper-glasses-us-navy.jpg"
OTHER_PHOTO = "eileen-collins-astronaut-nasa.png"


@pytest.fixture(params=["local", "s3"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    async with backend_client(request, tmp_path, monkeypatch) as value:
        yield value


async def user_with_avatar(
    client: httpx.AsyncClient, runtime: Runtime
) -> tuple[User, dict[str, str], str]:
    """Return a user with an avatar, their headers and their profile's avatar_url."""
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    response = await upload_avatar(client, headers, shared_face(PHOTO))
    assert response.status_code == 200, response.text
    return user, headers, response.json()["avatar_url"]


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def test_avatar_link_works_without_bearer(
    backend: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = backend
    user, headers, link = await user_with_avatar(client, runtime)

    served = await client.get(link)
    profile = (await client.get(ME, headers=headers)).json()

    assert urlsplit(link).path == AVATAR
    assert query_of(link)["user"] == user.id
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.content)).format == "JPEG"
    assert urlsplit(profile["avatar_url"]).path == AVATAR
    assert (await client.get(profile["avatar_url"])).content == served.content


async def test_new_avatar_gets_new_link(backend: tuple[httpx.AsyncClient, Runtime]) -> None:
    client, runtime = backend
    _, headers, first = await user_with_avatar(client, runtime)
    first_picture = (await client.get(first)).content

    second = (await upload_avatar(client, headers, shared_face(OTHER_PHOTO))).json()["avatar_url"]
    second_picture = (await client.get(second)).content

    assert query_of(first)["v"] != query_of(second)["v"]
    assert second_picture != first_picture


async def test_avatar_link_rejected_when_tampered(
    backend: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = backend
    user, _, link = await user_with_avatar(client, runtime)
    other = await create_user(runtime)
    tampered = link.replace(f"user={user.id}", f"user={other.id}")

    english = await client.get(tampered, headers={"Accept-Language": "en"})
    chinese = await client.get(tampered, headers={"Accept-Language": "zh-CN"})

    assert english.status_code == 403
    assert english.json()["error"] == "link_invalid"
    assert AVATAR in english.json()["message"]
    assert chinese.status_code == 403
    assert "链接无效" in chinese.json()["message"]


async def test_avatar_link_rejected_when_expired(
    backend: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = backend
    user, _, _ = await user_with_avatar(client, runtime)
    signer = LinkSigner.from_settings(runtime.settings)
    expired = signer.sign(AVATAR, user.id, now=utcnow() - timedelta(days=1))

    response = await client.get(expired, headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 403
    assert response.json()["error"] == "link_expired"
    assert "过期" in response.json()["message"]


async def test_deleted_avatar_link_not_found(backend: tuple[httpx.AsyncClient, Runtime]) -> None:
    client, runtime = backend
    user, headers, link = await user_with_avatar(client, runtime)
    async with runtime.sessionmaker() as session:
        key = (await session.get(User, user.id)).avatar_key

    removed = await client.delete(AVATAR, headers=headers)
    again = await client.delete(AVATAR, headers=headers)
    served = await client.get(link)

    assert removed.status_code == 200
    assert removed.json()["avatar_url"] is None
    assert not runtime.storage.exists(key)
    async with runtime.sessionmaker() as session:
        assert (await session.get(User, user.id)).avatar_key is None
    assert again.status_code == 404
    assert again.json()["error"] == "avatar_not_found"
    assert served.status_code == 404
    assert served.json()["error"] == "avatar_not_found"
    assert user.id in served.json()["message"]


async def test_deleted_account_avatar_link_not_found(
    backend: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, runtime = backend
    _, headers, link = await user_with_avatar(client, runtime)

    assert (await client.delete(ME, headers=headers)).status_code == 204
    served = await client.get(link)

    assert served.status_code == 404
    assert served.json()["error"] == "avatar_not_found"
