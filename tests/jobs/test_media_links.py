"""Signed links to a task's result, thumbnail and target, on local files and on S3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import auth_headers, create_user
from tests.jobs.results import RESULT_BYTES, THUMBNAIL_BYTES, store_result
from tests.jobs.uploads import SHORT_CLIP, task_request
from tests.shared_media import shared_video
from tests.storage_backends import backend_client
from vidswap.accounts.models import User
from vidswap.kit.clock import utcnow
from vidswap.media.links import EXPIRY_STEP_SECONDS, LinkSigner
from vidswap.runtime import Runtime

RESULT = RESULT_BYTES
THUMBNAIL = THUMBNAIL_BYTES


@pytest.fixture(params=["local", "s3"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    async with backend_client(request, tmp_path, monkeypatch) as value:
        yield value


async def completed_task(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> tuple[User, dict[str, object]]:
    """Create a task over the API, complete it with a stand-in result and return its
    owner and its JSON from GET /tasks/{id}."""
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    created = await client.post(
        "/api/v1/tasks", json=await task_request(runtime, user), headers=headers
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["task_id"]
    await store_result(runtime, task_id, tmp_path)
    body = (await client.get(f"/api/v1/tasks/{task_id}", headers=headers)).json()
    return user, body


async def fetch(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """GET ``url`` without the Bearer header, following a redirect to the object store
    over real HTTP on 127.0.0.1."""
    response = await client.get(url, headers=headers)
    if response.status_code != 302:
        return response
    location = response.headers["location"]
    assert location.startswith("http://127.0.0.1:"), location
    async with httpx.AsyncClient() as direct:
        return await direct.get(location, headers=headers)


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    query = {**query_of(url), **changes}
    path = urlsplit(url).path
    return path + "?" + "&".join(f"{name}={value}" for name, value in query.items())


async def test_task_links_work_without_bearer(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)
    task_id = body["task_id"]
    result_url = str(body["result_url"])

    whole = await fetch(client, result_url)
    middle = await fetch(client, result_url, {"Range": "bytes=100-199"})
    thumbnail = await fetch(client, str(body["thumbnail_url"]))

    assert urlsplit(result_url).path == f"/api/v1/tasks/{task_id}/result"
    assert query_of(result_url)["user"] == user.id
    assert body["result_kind"] == "video"
    assert whole.status_code == 200
    assert whole.content == RESULT
    assert middle.status_code == 206
    assert middle.content == RESULT[100:200]
    assert middle.headers["content-range"] == f"bytes 100-199/{len(RESULT)}"
    assert thumbnail.status_code == 200
    assert thumbnail.content == THUMBNAIL


async def test_target_link_serves_original(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)
    original = shared_video(SHORT_CLIP).read_bytes()
    target_url = str(body["target_url"])

    whole = await fetch(client, target_url)
    head = await fetch(client, target_url, {"Range": "bytes=0-99"})
    with_bearer = await fetch(
        client, urlsplit(target_url).path, headers=auth_headers(runtime, user)
    )

    assert urlsplit(target_url).path == f"/api/v1/tasks/{body['task_id']}/target"
    assert whole.status_code == 200
    assert whole.content == original
    assert head.status_code == 206
    assert head.content == original[:100]
    assert with_bearer.status_code == 200
    assert with_bearer.content == original


async def test_bearer_still_reads_result(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)
    path = urlsplit(str(body["result_url"])).path

    response = await fetch(client, path, headers=auth_headers(runtime, user))
    without_anything = await client.get(path)

    assert response.status_code == 200
    assert response.content == RESULT
    assert without_anything.status_code == 401
    assert without_anything.json()["error"] == "not_authenticated"


async def test_list_page_has_signed_links(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)

    page = await client.get("/api/v1/tasks", headers=auth_headers(runtime, user))
    item = page.json()["items"][0]
    thumbnail = await fetch(client, item["thumbnail_url"])

    assert item["task_id"] == body["task_id"]
    assert "signature" in query_of(item["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert thumbnail.content == THUMBNAIL


async def test_tampered_links_rejected(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    _, body = await completed_task(client, runtime, tmp_path)
    result_url = str(body["result_url"])
    signature = query_of(result_url)["signature"]
    task_id = body["task_id"]
    cases = {
        "changed signature": with_query(result_url, signature=signature[:-2] + "AA"),
        "later expiry": with_query(result_url, expires="4102444800"),
        "other path": with_query(f"/api/v1/tasks/{task_id}/thumbnail?x=1", **query_of(result_url)),
        "missing signature": result_url.replace(f"&signature={signature}", ""),
    }

    for case, url in cases.items():
        english = await client.get(url, headers={"Accept-Language": "en"})
        chinese = await client.get(url, headers={"Accept-Language": "zh-CN"})
        assert english.status_code == 403, case
        assert english.json()["error"] == "link_invalid", case
        assert "Reload the page" in english.json()["message"], case
        assert chinese.status_code == 403, case
        assert "链接无效" in chinese.json()["message"], case


async def test_expired_link_rejected(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)
    signer = LinkSigner.from_settings(runtime.settings)
    long_ago = utcnow() - timedelta(seconds=runtime.settings.signed_url_seconds + 2 * 3600)
    path = f"/api/v1/tasks/{body['task_id']}/result"
    expired = signer.sign(path, user.id, now=long_ago)

    english = await client.get(expired, headers={"Accept-Language": "en"})
    chinese = await client.get(expired, headers={"Accept-Language": "zh-CN"})

    assert english.status_code == 403
    assert english.json()["error"] == "link_expired"
    assert path in english.json()["message"]
    assert "expired at" in english.json()["message"]
    assert chinese.status_code == 403
    assert "已于" in chinese.json()["message"]


async def test_link_lifetime_from_settings(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    before = utcnow().timestamp()
    _, body = await completed_task(client, runtime, tmp_path)
    expires = int(query_of(str(body["result_url"]))["expires"])
    lifetime = runtime.settings.signed_url_seconds

    assert expires % EXPIRY_STEP_SECONDS == 0
    assert expires >= before + lifetime
    assert expires <= utcnow().timestamp() + lifetime + EXPIRY_STEP_SECONDS


async def test_deleted_task_link_not_found(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)
    task_id = body["task_id"]

    deleted = await client.delete(f"/api/v1/tasks/{task_id}", headers=auth_headers(runtime, user))

    assert deleted.status_code == 204
    for name in ("result_url", "thumbnail_url", "target_url"):
        response = await client.get(str(body[name]))
        assert response.status_code == 404, name
        assert response.json()["error"] == "task_not_found", name
        assert task_id in response.json()["message"], name


async def test_link_of_other_user_not_found(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    _, body = await completed_task(client, runtime, tmp_path)
    other = await create_user(runtime)
    signer = LinkSigner.from_settings(runtime.settings)
    link = signer.sign(f"/api/v1/tasks/{body['task_id']}/result", other.id)

    response = await client.get(link)

    assert response.status_code == 404
    assert response.json()["error"] == "task_not_found"


async def test_missing_target_file_not_found(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    user, body = await completed_task(client, runtime, tmp_path)
    runtime.storage.delete_prefix(f"users/{user.id}/uploads")

    response = await fetch(client, str(body["target_url"]))

    # S3 links redirect without a lookup, so there the object store returns the 404.
    assert response.status_code == 404
    if runtime.settings.storage == "local":
        assert response.json()["error"] == "target_not_found"
        assert body["task_id"] in response.json()["message"]


async def test_photos_stream_and_videos_redirect_on_s3(
    backend: tuple[httpx.AsyncClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = backend
    _, body = await completed_task(client, runtime, tmp_path)

    thumbnail = await client.get(str(body["thumbnail_url"]))
    result = await client.get(str(body["result_url"]))

    # The web app draws photos on a canvas, which needs them from its own origin.
    assert thumbnail.status_code == 200
    assert thumbnail.content == THUMBNAIL
    expected = 302 if runtime.settings.storage == "s3" else 200
    assert result.status_code == expected
