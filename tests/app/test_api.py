"""The app's API client against the real vidswap app: sign-in, refresh, uploads, tasks,
orders and errors."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from vidswap_app.api import ApiClient
from vidswap_app.errors import ApiError, Offline, SessionExpired
from vidswap_app.models import Task
from vidswap_app.tokens import MemoryTokenStore, Tokens
from vidswap_app.uploads import FileSource, UploadInterrupted

from tests.app.conftest import BASE_URL, sign_in
from tests.jobs.results import RESULT_BYTES, THUMBNAIL_BYTES, store_result
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.accounts.tokens import issue_access_token
from vidswap.runtime import Runtime


async def test_sms_sign_in_stores_tokens(api: ApiClient) -> None:
    phone = await sign_in(api)

    tokens = await api.store.load()
    profile = await api.get_profile()
    assert tokens is not None
    assert tokens.user_id == profile.id
    assert profile.phone == phone
    assert profile.energy_balance >= 0


async def test_password_sign_up_and_login(transport: httpx.ASGITransport) -> None:
    async with ApiClient(BASE_URL, locale="en", transport=transport) as api:
        created = await api.register(
            "correct horse battery", email="ada@example.com", nickname="Ada"
        )
        await api.logout()
        assert await api.store.load() is None

        profile = await api.login_password("ada@example.com", "correct horse battery")

    assert profile.id == created.id
    assert profile.nickname == "Ada"
    assert profile.email == "ada@example.com"


async def test_logout_ends_session_on_server(transport: httpx.ASGITransport) -> None:
    async with ApiClient(BASE_URL, locale="en", transport=transport) as api:
        await sign_in(api)
        tokens = await api.store.load()
        assert tokens is not None

        await api.logout()

    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as raw:
        me = await raw.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
        refreshed = await raw.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens.refresh_token}
        )

    assert me.status_code == 401
    assert me.json()["error"] == "invalid_token"
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "refresh_token_invalid"


async def test_logout_with_expired_access_token_ends_session(
    transport: httpx.ASGITransport, runtime: Runtime
) -> None:
    async with ApiClient(BASE_URL, locale="en", transport=transport) as api:
        await sign_in(api)
        before = await api.store.load()
        assert before is not None
        expired = issue_access_token(before.user_id, key=runtime.settings.signing_key, minutes=-1)
        await api.store.save(Tokens(expired.token, before.refresh_token, before.user_id))
        saved: list[Tokens] = []
        save = api.store.save

        async def remember(tokens: Tokens) -> None:
            saved.append(tokens)
            await save(tokens)

        api.store.save = remember  # type: ignore[method-assign]

        await api.logout()

        assert await api.store.load() is None

    # The sign-out refreshed first; the new refresh token then ended the sign-in.
    assert len(saved) == 1
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as raw:
        refreshed = await raw.post(
            "/api/v1/auth/refresh", json={"refresh_token": saved[0].refresh_token}
        )
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "refresh_token_invalid"


async def test_expired_access_token_refreshed_silently(api: ApiClient, runtime: Runtime) -> None:
    await sign_in(api)
    before = await api.store.load()
    assert before is not None
    expired = issue_access_token(before.user_id, key=runtime.settings.signing_key, minutes=-1)
    await api.store.save(Tokens(expired.token, before.refresh_token, before.user_id))

    profile = await api.get_profile()

    after = await api.store.load()
    assert profile.id == before.user_id
    assert after is not None
    assert after.access_token != expired.token
    assert after.refresh_token != before.refresh_token


async def test_failed_refresh_raises_session_expired(api: ApiClient, runtime: Runtime) -> None:
    await sign_in(api)
    before = await api.store.load()
    assert before is not None
    expired = issue_access_token(before.user_id, key=runtime.settings.signing_key, minutes=-1)
    await api.store.save(Tokens(expired.token, "not-a-refresh-token", before.user_id))

    with pytest.raises(SessionExpired) as caught:
        await api.get_profile()

    assert caught.value.message == "Your session has expired. Sign in again to continue."
    assert await api.store.load() is None


async def test_signed_out_request_raises_session_expired(api: ApiClient) -> None:
    with pytest.raises(SessionExpired):
        await api.list_tasks()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_api_error_in_requested_language(transport: httpx.ASGITransport, locale: str) -> None:
    async with ApiClient(BASE_URL, locale=locale, transport=transport) as api:
        with pytest.raises(ApiError) as caught:
            await api.request_sms_code("+86123")

    assert caught.value.code == "invalid_phone"
    assert caught.value.status == 400
    assert "'+86123'" in caught.value.message
    is_chinese = any("\u4e00" <= char <= "\u9fff" for char in caught.value.message)
    assert is_chinese == (locale == "zh-CN")


async def test_unreachable_server_raises_offline() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = MemoryTokenStore(Tokens("access", "refresh", "user"))
    async with ApiClient(f"http://127.0.0.1:{port}", store, locale="en") as api:
        with pytest.raises(Offline) as caught:
            await api.list_tasks()

    assert caught.value.message == (
        f"Cannot reach the server at http://127.0.0.1:{port}. Check your connection, then retry."
    )


async def test_multipart_uploads_then_task(api: ApiClient) -> None:
    await sign_in(api)
    face_path = shared_face(FACE)
    clip_path = shared_video(SHORT_CLIP)
    steps: list[tuple[int, int]] = []

    face = await api.upload(
        FileSource(face_path), "image", lambda sent, total: steps.append((sent, total))
    )
    clip = await api.upload(FileSource(clip_path), "video")
    created = await api.create_task(face.file_url, clip.file_url, {"faces": "largest"})
    tasks, next_cursor = await api.list_tasks()
    read = await api.get_task(created.task_id)

    size = face_path.stat().st_size
    assert steps == [(0, size), (size, size)]
    assert face.kind == "image"
    assert face.size == size
    assert clip.kind == "video"
    assert clip.duration_seconds == pytest.approx(1.05, abs=0.05)
    assert created.status == "pending"
    assert [task.task_id for task in tasks] == [created.task_id]
    assert next_cursor is None
    assert read.energy_cost == 2
    assert read.result_url is None


async def test_tus_upload_resumes_after_interruption(live_url: str) -> None:
    path = shared_video("hikers-walking-toward-camera-ccby.mp4")
    chunk = 256 * 1024
    store = MemoryTokenStore()
    async with ApiClient(live_url, store, locale="en") as first:
        await sign_in(first)
        upload = first.tus(FileSource(path), "video", chunk_bytes=chunk)
        with pytest.raises(UploadInterrupted) as caught:
            await upload.send(max_chunks=2)
    location = caught.value.location

    steps: list[int] = []
    async with ApiClient(live_url, store, locale="en") as second:
        resumed = second.tus(FileSource(path), "video", location=location, chunk_bytes=chunk)
        done = await resumed.send(lambda sent, total: steps.append(sent))

    size = path.stat().st_size
    assert caught.value.offset == 2 * chunk
    assert location.startswith(f"{live_url}/api/v1/uploads/tus/")
    assert steps[0] == 2 * chunk
    assert steps[1] == 3 * chunk
    assert steps[-1] == size
    assert done.upload_id == location.rsplit("/", 1)[-1]
    assert done.size == size
    assert done.kind == "video"
    assert done.status == "ready"


async def test_same_idempotency_key_gives_one_order(api: ApiClient) -> None:
    await sign_in(api)
    before = await api.get_profile()
    products = await api.products()
    product = next(item for item in products if item.energy > 0)

    first = await api.create_order(product.id, "sandbox", idempotency_key="tap-1")
    second = await api.create_order(product.id, "sandbox", idempotency_key="tap-1")
    paid = await api.confirm_sandbox(first.order_id)
    orders = await api.list_orders()
    after = await api.get_profile()

    assert second.order_id == first.order_id
    assert [order.order_id for order in orders] == [first.order_id]
    assert first.status == "pending"
    assert paid.status == "paid"
    assert paid.amount == product.price
    assert after.energy_balance == before.energy_balance + product.energy
    assert "sandbox" in await api.payment_providers()


async def test_energy_history_lists_grant(api: ApiClient) -> None:
    await sign_in(api)
    product = next(item for item in await api.products() if item.energy > 0)
    order = await api.create_order(product.id, "sandbox")
    await api.confirm_sandbox(order.order_id)

    energy = await api.energy()

    grants = [entry for entry in energy.entries if entry.reason == "grant"]
    assert energy.balance == (await api.get_profile()).energy_balance
    assert product.energy in [entry.delta for entry in grants]


async def test_signed_media_links_need_no_token(
    api: ApiClient, runtime: Runtime, transport: httpx.ASGITransport, tmp_path: Path
) -> None:
    await sign_in(api)
    face = await api.upload(FileSource(shared_face(FACE)), "image")
    clip = await api.upload(FileSource(shared_video(SHORT_CLIP)), "video")
    created = await api.create_task(face.file_url, clip.file_url)
    await store_result(runtime, created.task_id, tmp_path)

    task = await api.get_task(created.task_id)
    result_url = api.result_url(task)
    thumbnail_url = api.media_url(task.thumbnail_url)
    target_url = api.media_url(task.target_url)
    assert result_url is not None
    assert thumbnail_url is not None
    assert target_url is not None
    async with httpx.AsyncClient(transport=transport) as without_token:
        result = await without_token.get(result_url)
        thumbnail = await without_token.get(thumbnail_url)
        target = await without_token.get(target_url, headers={"Range": "bytes=0-15"})

    assert result_url.startswith(f"{BASE_URL}/api/v1/tasks/{task.task_id}/result?")
    assert task.result_kind == "video"
    assert result.status_code == 200
    assert result.content == RESULT_BYTES
    assert thumbnail.content == THUMBNAIL_BYTES
    assert target.status_code == 206
    assert target.content == shared_video(SHORT_CLIP).read_bytes()[:16]
    assert await api.download_result(task.task_id) == RESULT_BYTES


def test_media_url_needs_signature() -> None:
    api = ApiClient("http://127.0.0.1:8000/")
    signed = "/api/v1/tasks/t1/result?user=u1&expires=1796371200&signature=abc"

    assert api.media_url(signed) == "http://127.0.0.1:8000" + signed
    assert api.media_url("/api/v1/tasks/t1/result") is None
    assert api.media_url(None) is None
    assert api.result_url(Task("t1", "completed", 100, result_url=signed)) is not None
