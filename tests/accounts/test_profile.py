"""The signed-in user's profile: read, change, avatar."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.billing.energy import make_member
from tests.conftest import auth_headers, create_user
from tests.shared_media import shared_face, shared_video
from vidswap.accounts.models import User
from vidswap.billing import ledger
from vidswap.kit.clock import utcnow
from vidswap.runtime import Runtime

ME = "/api/v1/users/me"
AVATAR = "/api/v1/users/me/avatar"
PROFILE_FIELDS = {
    "id",
    "phone",
    "email",
    "nickname",
    "avatar_url",
    "member_level",
    "member_level_name",
    "member_expire_at",
    "energy_balance",
    "energy_reserved",
    "created_at",
}


async def test_read_profile_fields(client: httpx.AsyncClient, runtime: Runtime) -> None:
    expire = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    user = await create_user(
        runtime, nickname="Ada", member_level=2, member_expire_at=expire, energy_balance=42
    )
    response = await client.get(ME, headers=auth_headers(runtime, user))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["id"] == user.id
    assert body["phone"] == user.phone
    assert body["email"] is None
    assert body["nickname"] == "Ada"
    assert body["avatar_url"] is None
    assert body["member_level"] == 2
    # No level 2 is defined, so the highest one below it names it.
    assert body["member_level_name"] == "Pro"
    assert datetime.fromisoformat(body["member_expire_at"]) == expire
    assert body["energy_balance"] == 42
    assert body["energy_reserved"] == 0


async def test_profile_excludes_held_energy(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=42)
    async with runtime.sessionmaker() as session, session.begin():
        await ledger.hold(session, user.id, "a" * 32, 5)

    response = await client.get(ME, headers=auth_headers(runtime, user))

    assert response.status_code == 200
    assert response.json()["energy_balance"] == 37
    assert response.json()["energy_reserved"] == 5


async def test_lapsed_membership_reads_free(client: httpx.AsyncClient, runtime: Runtime) -> None:
    expire = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    user = await create_user(runtime, member_level=1, member_expire_at=expire)

    response = await client.get(ME, headers=auth_headers(runtime, user))

    assert response.status_code == 200
    assert response.json()["member_level"] == 0
    assert datetime.fromisoformat(response.json()["member_expire_at"]) == expire


async def test_patch_nickname_and_locale(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    response = await client.patch(
        ME, json={"nickname": "  小明  ", "locale": "zh-cn"}, headers=auth_headers(runtime, user)
    )
    assert response.status_code == 200
    assert response.json()["nickname"] == "小明"
    async with runtime.sessionmaker() as session:
        stored = await session.get(User, user.id)
    assert stored.nickname == "小明"
    assert stored.locale == "zh-CN"


async def test_patch_empty_body_changes_nothing(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime, nickname="Bo")
    response = await client.patch(ME, json={}, headers=auth_headers(runtime, user))
    assert response.status_code == 200
    assert response.json()["nickname"] == "Bo"


@pytest.mark.parametrize(
    ("nickname", "detail"),
    [("x" * 65, "65 characters"), ("two\nlines", "control characters")],
)
async def test_patch_invalid_nickname(
    client: httpx.AsyncClient, runtime: Runtime, nickname: str, detail: str
) -> None:
    user = await create_user(runtime, nickname="Cy")
    response = await client.patch(
        ME, json={"nickname": nickname}, headers=auth_headers(runtime, user)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_nickname"
    assert detail in response.json()["message"]
    async with runtime.sessionmaker() as session:
        assert (await session.get(User, user.id)).nickname == "Cy"


@pytest.mark.parametrize("nickname", ["", "   "])
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The nickname is empty. Enter a nickname of 1 to 64 characters."),
        ("zh-CN", "昵称不能为空，请输入 1 到 64 个字符的昵称。"),
    ],
)
async def test_patch_empty_nickname(
    client: httpx.AsyncClient, runtime: Runtime, nickname: str, language: str, expected: str
) -> None:
    user = await create_user(runtime, nickname="Cy")
    headers = {**auth_headers(runtime, user), "Accept-Language": language}

    response = await client.patch(ME, json={"nickname": nickname}, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_nickname"
    assert response.json()["message"] == expected
    async with runtime.sessionmaker() as session:
        assert (await session.get(User, user.id)).nickname == "Cy"


async def test_invalid_nickname_message_in_chinese(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = {**auth_headers(runtime, user), "Accept-Language": "zh-CN"}

    response = await client.patch(ME, json={"nickname": "x" * 65}, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_nickname"
    assert response.json()["message"].startswith(f"昵称 '{'x' * 65}' 无效")


async def test_patch_unsupported_locale(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    response = await client.patch(ME, json={"locale": "fr"}, headers=auth_headers(runtime, user))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_locale"
    assert "'fr'" in response.json()["message"]
    assert "zh-CN, en" in response.json()["message"]


async def test_patch_unknown_field_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=5)
    response = await client.patch(
        ME, json={"energy_balance": 10**6}, headers=auth_headers(runtime, user)
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert "energy_balance" in response.json()["message"]
    async with runtime.sessionmaker() as session:
        assert (await session.get(User, user.id)).energy_balance == 5


async def upload_avatar(
    client: httpx.AsyncClient, headers: dict[str, str], path: Path, name: str | None = None
) -> httpx.Response:
    files = {"file": (name or path.name, path.read_bytes(), "application/octet-stream")}
    return await client.put(AVATAR, files=files, headers=headers)


async def test_avatar_upload_real_photo(client: httpx.AsyncClient, runtime: Runtime) -> None:
    photo = shared_face("grace-hopper-glasses-us-navy.jpg")
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)

    response = await upload_avatar(client, headers, photo)
    assert response.status_code == 200
    assert response.json()["avatar_url"].startswith(f"{AVATAR}?user={user.id}&")

    async with runtime.sessionmaker() as session:
        key = (await session.get(User, user.id)).avatar_key
    assert key.startswith(f"users/{user.id}/avatar/")
    assert key.endswith(".jpg")
    assert runtime.storage.exists(key)

    served = await client.get(AVATAR, headers=headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "JPEG"
    assert max(image.size) <= 512
    with Image.open(photo) as original:
        ratio = original.width / original.height
    assert abs(image.width / image.height - ratio) < 0.02


async def test_avatar_exif_orientation_applied(client: httpx.AsyncClient, runtime: Runtime) -> None:
    photo = shared_face("mugshot-woman-exif-orientation5-meds2.jpg")
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    assert (await upload_avatar(client, headers, photo)).status_code == 200
    served = Image.open(io.BytesIO((await client.get(AVATAR, headers=headers)).content))
    with Image.open(photo) as original:
        # Orientation 5 transposes the picture, so width and height swap.
        assert (served.width > served.height) == (original.height > original.width)


async def test_avatar_replacement_deletes_old_file(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    await upload_avatar(client, headers, shared_face("grace-hopper-glasses-us-navy.jpg"))
    async with runtime.sessionmaker() as session:
        first_key = (await session.get(User, user.id)).avatar_key
    await upload_avatar(client, headers, shared_face("eileen-collins-astronaut-nasa.png"))
    async with runtime.sessionmaker() as session:
        second_key = (await session.get(User, user.id)).avatar_key
    assert second_key != first_key
    assert not runtime.storage.exists(first_key)
    assert runtime.storage.exists(second_key)


async def test_avatar_etag_revalidation(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)
    await upload_avatar(client, headers, shared_face("grace-hopper-glasses-us-navy.jpg"))
    first = await client.get(AVATAR, headers=headers)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"

    unchanged = await client.get(AVATAR, headers={**headers, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    await upload_avatar(client, headers, shared_face("eileen-collins-astronaut-nasa.png"))
    changed = await client.get(AVATAR, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.content != first.content


async def test_avatar_renamed_text_file_rejected(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is a text file, not a picture\n" * 20)
    user = await create_user(runtime)
    response = await upload_avatar(client, auth_headers(runtime, user), fake)
    assert response.status_code == 400
    assert response.json()["error"] == "avatar_not_image"
    assert "holiday.jpg" in response.json()["message"]
    async with runtime.sessionmaker() as session:
        assert (await session.get(User, user.id)).avatar_key is None
    assert not (runtime.settings.data_dir / "files" / "users" / user.id).exists()


async def test_avatar_video_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    video = shared_video("indoor-group-event-1s-hevc-ccby.mp4")
    user = await create_user(runtime)
    response = await upload_avatar(client, auth_headers(runtime, user), video, name="me.jpg")
    assert response.status_code == 400
    assert response.json()["error"] == "avatar_not_image"
    assert "me.jpg" in response.json()["message"]
    assert "it is a video" in response.json()["message"]


async def test_avatar_truncated_image_rejected(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    photo = shared_face("grace-hopper-glasses-us-navy.jpg")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo.read_bytes()[:2000])
    user = await create_user(runtime)
    response = await upload_avatar(client, auth_headers(runtime, user), broken)
    assert response.status_code == 400
    assert response.json()["error"] == "avatar_not_image"
    assert "broken.jpg" in response.json()["message"]


async def test_avatar_over_limit_rejected(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024))
    user = await create_user(runtime)
    response = await upload_avatar(client, auth_headers(runtime, user), big)
    assert response.status_code == 413
    assert response.json()["error"] == "avatar_too_large"
    assert "big.png" in response.json()["message"]
    assert "5 MiB" in response.json()["message"]


async def test_avatar_missing(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await create_user(runtime)
    response = await client.get(AVATAR, headers=auth_headers(runtime, user))
    assert response.status_code == 404
    assert response.json()["error"] == "avatar_not_found"
    assert user.id in response.json()["message"]


async def test_avatar_needs_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get(AVATAR)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_profile_names_the_level_in_the_callers_language(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    headers = auth_headers(runtime, user)

    free = (await client.get("/api/v1/users/me", headers=headers)).json()
    await make_member(runtime, user.id)
    english = (await client.get("/api/v1/users/me", headers=headers)).json()
    chinese = (
        await client.get("/api/v1/users/me", headers={**headers, "Accept-Language": "zh-CN"})
    ).json()

    assert (free["member_level"], free["member_level_name"]) == (0, "Free")
    assert (english["member_level"], english["member_level_name"]) == (1, "Pro")
    assert chinese["member_level_name"] == "专业版"


async def test_profile_changes_return_the_level_name(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user = await create_user(runtime)
    await make_member(runtime, user.id)
    headers = auth_headers(runtime, user)
    chinese = {**headers, "Accept-Language": "zh-CN"}
    read = (await client.get(ME, headers=headers)).json()

    patched = await client.patch(ME, json={"nickname": "Ada"}, headers=headers)
    patched_zh = await client.patch(ME, json={"nickname": "小明"}, headers=chinese)
    uploaded = await upload_avatar(client, chinese, shared_face("grace-hopper-glasses-us-navy.jpg"))
    removed = await client.delete(AVATAR, headers=headers)

    for response in (patched, patched_zh, uploaded, removed):
        assert response.status_code == 200, response.text
        assert set(response.json()) == PROFILE_FIELDS
        assert response.json()["member_level"] == 1
    assert patched.json()["member_level_name"] == "Pro"
    assert patched_zh.json()["member_level_name"] == "专业版"
    assert uploaded.json()["member_level_name"] == "专业版"
    assert removed.json()["member_level_name"] == "Pro"
    assert removed.json()["avatar_url"] is None
    assert {key: value for key, value in patched.json().items() if key != "nickname"} == {
        key: value for key, value in read.items() if key != "nickname"
    }
