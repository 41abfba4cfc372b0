"""POST /uploads (multipart, streamed), GET, DELETE, on real photos and videos."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import auth_headers, create_user
from tests.media.conftest import app_client, served, settings_with
from tests.shared_media import shared_face, shared_video
from vidswap.kit.settings import Settings
from vidswap.media.models import Upload
from vidswap.media.storage.local import LocalStorage
from vidswap.runtime import Runtime

PHOTO = "grace-hopper-glasses-us-navy.jpg"
NO_FACE = "no-face-coffee-cup-cc0.png"
SHORT_VIDEO = "indoor-group-event-1s-hevc-ccby.mp4"
WEBM_VIDEO = "indoor-group-event-1s-vp8-opus-ccby.webm"
LONGER_VIDEO = "obama-weekly-address-talking-720p-a.mp4"
ROTATED_VIDEO = "selfie-three-people-rotation-metadata-ccby.mp4"


async def post_file(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    filename: str,
    kind: str | None,
) -> httpx.Response:
    data = {"kind": kind} if kind is not None else {}
    return await client.post(
        "/api/v1/uploads",
        headers=headers,
        data=data,
        files={"file": (filename, content, "application/octet-stream")},
    )


async def upload_count(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Upload)) or 0)


def stored_files(runtime: Runtime) -> list[Path]:
    assert isinstance(runtime.storage, LocalStorage)
    return [path for path in runtime.storage.root.rglob("*") if path.is_file()]


def spooled_files(settings: Settings) -> list[Path]:
    folder = settings.tmp_dir / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


async def test_photo_upload_stored(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, headers: dict[str, str]
) -> None:
    content = shared_face(PHOTO).read_bytes()

    response = await post_file(client, headers, content, PHOTO, "image")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "image"
    assert body["status"] == "ready"
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["file_url"] == f"/api/v1/uploads/{body['upload_id']}/file"
    assert body["filename"] == PHOTO
    assert body["content_type"] == "image/jpeg"
    assert body["media"] == {"width": 512, "height": 600, "format": "jpeg", "faces": 1}
    async with runtime.sessionmaker() as session:
        row = await session.get(Upload, body["upload_id"])
    assert row is not None
    assert row.storage_key == f"users/{row.user_id}/uploads/{row.id}.jpg"
    assert runtime.storage.size(row.storage_key) == len(content)
    assert spooled_files(settings) == []


async def test_video_upload_probed(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    content = shared_video(SHORT_VIDEO).read_bytes()

    response = await post_file(client, headers, content, SHORT_VIDEO, "video")

    assert response.status_code == 201, response.text
    media = response.json()["media"]
    assert media["duration"] == pytest.approx(1.034, abs=0.01)
    assert (media["width"], media["height"]) == (640, 480)
    assert media["fps"] == pytest.approx(29.97, abs=0.01)
    assert media["video_codec"] == "hevc"
    assert media["audio_codec"] == "aac"
    assert media["has_audio"] is True
    assert media["rotation"] == 0
    assert response.json()["content_type"] == "video/mp4"


async def test_webm_upload_keeps_webm_type(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    content = shared_video(WEBM_VIDEO).read_bytes()

    response = await post_file(client, headers, content, "clip.bin", "video")

    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "video/webm"
    assert response.json()["media"]["audio_codec"] == "opus"
    async with runtime.sessionmaker() as session:
        row = await session.get(Upload, response.json()["upload_id"])
    assert row is not None and row.storage_key is not None
    assert row.storage_key.endswith(".webm")


async def test_rotated_video_reports_display_size(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    content = shared_video(ROTATED_VIDEO).read_bytes()

    response = await post_file(client, headers, content, ROTATED_VIDEO, "video")

    assert response.status_code == 201, response.text
    media = response.json()["media"]
    assert media["rotation"] in (90, 270)
    assert (media["width"], media["height"]) == (640, 480)


@pytest.mark.parametrize(
    ("content_source", "filename", "kind", "code"),
    [
        ("empty", "empty.jpg", "image", "media_empty"),
        ("text", "clip.mp4", "video", "media_unsupported"),
        ("text", "face.jpg", "image", "media_unsupported"),
        ("truncated", "cut.mp4", "video", "media_corrupt"),
        ("photo", "photo.jpg", "video", "upload_kind_mismatch"),
        ("video", "clip.mp4", "image", "upload_kind_mismatch"),
    ],
)
async def test_bad_file_rejected(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    content_source: str,
    filename: str,
    kind: str,
    code: str,
) -> None:
    video = shared_video(LONGER_VIDEO).read_bytes()
    contents = {
        "empty": b"",
        "text": b"this is a text file, not a video\n" * 50,
        "truncated": video[: len(video) // 2],
        "photo": shared_face(PHOTO).read_bytes(),
        "video": shared_video(SHORT_VIDEO).read_bytes(),
    }

    response = await post_file(client, headers, contents[content_source], filename, kind)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == code
    assert filename in response.json()["message"]
    assert str(settings.tmp_dir) not in response.json()["message"]
    # A photo upload's message names only photo formats.
    assert ("MP4" in response.json()["message"]) == (
        kind == "video" and code == "media_unsupported"
    )
    assert await upload_count(runtime) == 0
    assert stored_files(runtime) == []
    assert spooled_files(settings) == []


async def test_message_in_chinese(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    content = b"this is a text file, not a photo\n" * 50

    response = await post_file(
        client, {**headers, "Accept-Language": "zh-CN"}, content, "杯子.png", "image"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "media_unsupported"
    assert "不是支持的照片" in response.json()["message"]
    assert "杯子.png" in response.json()["message"]


async def test_photo_without_face_accepted(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    content = shared_face(NO_FACE).read_bytes()

    response = await post_file(client, headers, content, "cup.png", "image")

    assert response.status_code == 201, response.text
    assert response.json()["media"]["faces"] == 0


async def test_video_over_length_limit_rejected(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, max_video_seconds=2.0)
    async with app_client(settings) as (client, runtime):
        user = await create_user(runtime)
        content = shared_video(LONGER_VIDEO).read_bytes()

        response = await post_file(
            client, auth_headers(runtime, user), content, "talk.mp4", "video"
        )

        assert response.status_code == 400
        assert response.json()["error"] == "upload_video_too_long"
        assert "talk.mp4 is 3.8 s long" in response.json()["message"]
        assert "2 s" in response.json()["message"]
        assert await upload_count(runtime) == 0


@pytest.mark.parametrize("kind_first", [True, False])
async def test_image_over_size_limit_rejected(tmp_path: Path, kind_first: bool) -> None:
    settings = settings_with(tmp_path, max_image_bytes=20_000)
    async with app_client(settings) as (client, runtime):
        user = await create_user(runtime)
        content = shared_face(PHOTO).read_bytes()
        headers = auth_headers(runtime, user)

        if kind_first:
            response = await post_file(client, headers, content, PHOTO, "image")
        else:
            body, content_type = multipart_file_then_kind(content, "image")
            response = await client.post(
                "/api/v1/uploads", headers={**headers, "Content-Type": content_type}, content=body
            )

        assert response.status_code == 413
        assert response.json()["error"] == "upload_too_large"
        assert "20000 bytes" in response.json()["message"]
        assert "kind=image" in response.json()["message"]
        assert await upload_count(runtime) == 0
        assert spooled_files(settings) == []


def multipart_file_then_kind(content: bytes, kind: str) -> tuple[bytes, str]:
    """A multipart body with the ``file`` part before the ``kind`` part."""
    boundary = "vidswap-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="late-kind.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + content
        + (
            f"\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="kind"\r\n\r\n'
            f"{kind}\r\n--{boundary}--\r\n"
        ).encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def test_kind_after_file_accepted(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    body, content_type = multipart_file_then_kind(shared_face(PHOTO).read_bytes(), "image")

    response = await client.post(
        "/api/v1/uploads", headers={**headers, "Content-Type": content_type}, content=body
    )

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "late-kind.jpg"


@pytest.mark.parametrize("declared", [True, False])
async def test_oversized_body_stops_early(tmp_path: Path, declared: bool) -> None:
    settings = settings_with(tmp_path, max_image_bytes=10_000, max_video_bytes=20_000)
    async with app_client(settings) as (client, runtime):
        user = await create_user(runtime)
        head = (
            b'--abc\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage\r\n'
            b'--abc\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n\r\n'
        )
        chunks_sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal chunks_sent
            chunks_sent += 1
            yield head
            for _ in range(100):
                chunks_sent += 1
                yield b"x" * 4096

        headers = {
            **auth_headers(runtime, user),
            "Content-Type": "multipart/form-data; boundary=abc",
        }
        if declared:
            headers["Content-Length"] = str(len(head) + 100 * 4096)

        response = await client.post("/api/v1/uploads", headers=headers, content=body())

        assert response.status_code == 413
        assert response.json()["error"] == "upload_too_large"
        # A declared length over the limit is rejected before the body is read. An
        # undeclared one is read only until the 10000-byte image limit is passed
        # (3 chunks of 4096).
        assert chunks_sent <= (1 if declared else 5)
        assert spooled_files(settings) == []


@pytest.mark.parametrize(
    ("data", "files", "code"),
    [
        ({"kind": "audio"}, True, "upload_invalid_kind"),
        ({}, True, "upload_missing_kind"),
        ({"kind": ""}, True, "upload_missing_kind"),
        ({"kind": "image"}, False, "upload_missing_file"),
    ],
)
async def test_bad_form_rejected(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    data: dict[str, str],
    files: bool,
    code: str,
) -> None:
    content = shared_face(PHOTO).read_bytes()
    response = await client.post(
        "/api/v1/uploads",
        headers=headers,
        data=data or {"other": "x"},
        files={"file": (PHOTO, content, "image/jpeg")} if files else {"note": (None, b"hi")},
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"] == code
    if code == "upload_invalid_kind" and data:
        assert "'audio'" in response.json()["message"]
    assert await upload_count(runtime) == 0


async def test_missing_kind_message(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    content = shared_face(PHOTO).read_bytes()
    responses = {}
    for locale in ("en", "zh-CN"):
        responses[locale] = await client.post(
            "/api/v1/uploads",
            headers={**headers, "Accept-Language": locale},
            files={"file": (PHOTO, content, "image/jpeg")},
        )

    assert responses["en"].status_code == 400
    assert responses["en"].json()["error"] == "upload_missing_kind"
    assert responses["en"].json()["message"] == (
        "The request has no 'kind' field. Send the multipart field kind=image or "
        "kind=video before 'file'."
    )
    assert responses["zh-CN"].json()["message"] == (
        "请求中没有 'kind' 字段。请在 'file' 之前以 multipart 字段发送 kind=image 或 kind=video。"
    )
    assert await upload_count(runtime) == 0


async def test_non_multipart_body_rejected(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/uploads", headers=headers, json={"kind": "image"})

    assert response.status_code == 400
    assert response.json()["error"] == "upload_malformed"


async def test_unterminated_multipart_rejected(
    client: httpx.AsyncClient, settings: Settings, headers: dict[str, str]
) -> None:
    body, content_type = multipart_file_then_kind(shared_face(PHOTO).read_bytes(), "image")

    response = await client.post(
        "/api/v1/uploads",
        headers={**headers, "Content-Type": content_type},
        content=body[: len(body) // 2],
    )

    assert response.status_code == 400
    assert response.json()["error"] == "upload_malformed"
    assert spooled_files(settings) == []


async def test_upload_requires_token(client: httpx.AsyncClient) -> None:
    response = await post_file(client, {}, b"data", "a.jpg", "image")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_traversal_filename_kept_as_display_name(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], tmp_path: Path
) -> None:
    content = shared_face(PHOTO).read_bytes()

    response = await post_file(client, headers, content, "../../etc/passwd", "image")

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "passwd"
    async with runtime.sessionmaker() as session:
        row = await session.get(Upload, response.json()["upload_id"])
    assert row is not None
    assert row.storage_key == f"users/{row.user_id}/uploads/{row.id}.jpg"
    assert [path.name for path in stored_files(runtime)] == [f"{row.id}.jpg"]


async def test_metadata_read_by_owner_only(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await post_file(client, headers, shared_face(PHOTO).read_bytes(), PHOTO, "image")
    upload_id = created.json()["upload_id"]
    stranger = auth_headers(runtime, await create_user(runtime))

    own = await client.get(f"/api/v1/uploads/{upload_id}", headers=headers)
    other = await client.get(f"/api/v1/uploads/{upload_id}", headers=stranger)
    other_file = await client.get(f"/api/v1/uploads/{upload_id}/file", headers=stranger)
    other_delete = await client.delete(f"/api/v1/uploads/{upload_id}", headers=stranger)

    assert own.status_code == 200
    assert own.json() == created.json()
    for response in (other, other_file, other_delete):
        assert response.status_code == 404
        assert response.json()["error"] == "upload_not_found"
        assert upload_id in response.json()["message"]
    assert await upload_count(runtime) == 1


async def test_delete_removes_row_and_file(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await post_file(client, headers, shared_face(PHOTO).read_bytes(), PHOTO, "image")
    upload_id = created.json()["upload_id"]

    deleted = await client.delete(f"/api/v1/uploads/{upload_id}", headers=headers)
    again = await client.get(f"/api/v1/uploads/{upload_id}", headers=headers)

    assert deleted.status_code == 204
    assert again.status_code == 404
    assert await upload_count(runtime) == 0
    assert stored_files(runtime) == []


async def test_unknown_upload_not_found(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/uploads/0123456789abcdef", headers=headers)

    assert response.status_code == 404
    assert response.json()["error"] == "upload_not_found"
    assert "0123456789abcdef" in response.json()["message"]


async def test_video_streamed_over_http(
    live_server: str, runtime: Runtime, headers: dict[str, str]
) -> None:
    path = shared_video(LONGER_VIDEO)

    def send() -> httpx.Response:
        with path.open("rb") as file, httpx.Client(base_url=live_server) as http:
            return http.post(
                "/api/v1/uploads",
                headers=headers,
                data={"kind": "video"},
                files={"file": ("talk.mp4", file, "video/mp4")},
            )

    response = await asyncio.to_thread(send)

    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert response.json()["media"]["duration"] == pytest.approx(3.88, abs=0.05)


async def test_oversized_chunked_upload_over_http(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, max_image_bytes=50_000, max_video_bytes=100_000)
    async with app_client(settings) as (_client, runtime):
        user = await create_user(runtime)
        headers = auth_headers(runtime, user)

    def chunks() -> Iterator[bytes]:
        yield b'--abc\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage\r\n'
        yield b'--abc\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n\r\n'
        for _ in range(2000):
            yield b"x" * 8192

    def send(base_url: str) -> httpx.Response:
        with httpx.Client(base_url=base_url) as http:
            return http.post(
                "/api/v1/uploads",
                headers={**headers, "Content-Type": "multipart/form-data; boundary=abc"},
                content=chunks(),
            )

    with served(settings) as base_url:
        response = await asyncio.to_thread(send, base_url)

    assert response.status_code == 413
    assert response.json()["error"] == "upload_too_large"
    assert spooled_files(settings) == []
