"""tus 1.0 resumable uploads: the tuspy client against uvicorn on 127.0.0.1, and the
protocol's error cases through the in-process client."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

from tests.conftest import auth_headers, create_user, make_settings
from tests.media.conftest import app_client
from tests.shared_media import shared_face, shared_video
from vidswap.accounts.models import User
from vidswap.kit.clock import utcnow
from vidswap.kit.settings import Settings
from vidswap.media.models import Upload
from vidswap.media.service import purge_expired_uploads
from vidswap.runtime import Runtime

TUS = "/api/v1/uploads/tus"
VIDEO = "obama-weekly-address-talking-720p-a.mp4"
PHOTO = "grace-hopper-glasses-us-navy.jpg"
NO_FACE = "no-face-coffee-cup-cc0.png"
CHUNK = 128 * 1024
V1 = {"Tus-Resumable": "1.0.0"}


def metadata_header(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


async def create_tus(
    client: httpx.AsyncClient, headers: dict[str, str], length: int, **metadata: str
) -> httpx.Response:
    return await client.post(
        TUS,
        headers={
            **headers,
            **V1,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata_header(**metadata),
        },
    )


async def patch_chunk(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    location: str,
    offset: int,
    chunk: bytes,
    **extra: str,
) -> httpx.Response:
    return await client.patch(
        location,
        headers={
            **headers,
            **V1,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            **extra,
        },
        content=chunk,
    )


async def read_row(runtime: Runtime, upload_id: str) -> Upload | None:
    async with runtime.sessionmaker() as session:
        return await session.get(Upload, upload_id)


async def test_tuspy_uploads_video(
    live_server: str, runtime: Runtime, user: User, headers: dict[str, str]
) -> None:
    path = shared_video(VIDEO)
    client = TusClient(f"{live_server}{TUS}", headers=headers)
    uploader = client.uploader(
        file_path=str(path),
        chunk_size=CHUNK,
        metadata={"kind": "video", "filename": "address.mp4"},
        upload_checksum=True,
    )

    await asyncio.to_thread(uploader.upload)

    upload_id = uploader.url.rstrip("/").rsplit("/", 1)[-1]
    row = await read_row(runtime, upload_id)
    assert row is not None
    assert row.status == "ready"
    assert row.user_id == user.id
    assert row.filename == "address.mp4"
    assert row.size == path.stat().st_size
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row.media is not None and row.media["duration"] == pytest.approx(3.88, abs=0.05)
    assert row.storage_key == f"users/{user.id}/uploads/{upload_id}.mp4"
    assert runtime.storage.size(row.storage_key) == path.stat().st_size
    assert not (runtime.settings.tmp_dir / "tus" / upload_id).exists()


async def test_interrupted_upload_resumes_from_offset(
    live_server: str, runtime: Runtime, headers: dict[str, str]
) -> None:
    path = shared_video(VIDEO)
    content = path.read_bytes()
    client = TusClient(f"{live_server}{TUS}", headers=headers)
    first = client.uploader(
        file_path=str(path), chunk_size=CHUNK, metadata={"kind": "video", "filename": "a.mp4"}
    )
    await asyncio.to_thread(first.upload, stop_at=2 * CHUNK)
    # The connection drops in the middle of the third chunk: half of it arrives.
    await asyncio.to_thread(
        send_half_of_chunk,
        live_server,
        first.url,
        headers,
        2 * CHUNK,
        content[2 * CHUNK : 3 * CHUNK],
    )
    upload_id = first.url.rstrip("/").rsplit("/", 1)[-1]
    row = await wait_for_offset(runtime, upload_id, 2 * CHUNK + CHUNK // 2)

    resumed = client.uploader(file_path=str(path), url=first.url, chunk_size=CHUNK)

    assert row.upload_offset == 2 * CHUNK + CHUNK // 2
    assert resumed.offset == 2 * CHUNK + CHUNK // 2
    await asyncio.to_thread(resumed.upload)
    finished = await read_row(runtime, upload_id)
    assert finished is not None
    assert finished.status == "ready"
    assert finished.sha256 == hashlib.sha256(content).hexdigest()


def send_half_of_chunk(
    base_url: str, upload_url: str, headers: dict[str, str], offset: int, chunk: bytes
) -> None:
    """Send a PATCH that announces ``chunk`` but closes the connection halfway through it."""
    path = httpx.URL(upload_url).path
    port = httpx.URL(base_url).port
    lines = [
        f"PATCH {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: {headers['Authorization']}",
        "Tus-Resumable: 1.0.0",
        "Content-Type: application/offset+octet-stream",
        f"Upload-Offset: {offset}",
        f"Content-Length: {len(chunk)}",
    ]
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + chunk[: len(chunk) // 2])
        time.sleep(0.2)


async def wait_for_offset(runtime: Runtime, upload_id: str, offset: int) -> Upload:
    """Wait until the server has committed the half chunk of a dropped connection."""
    for _ in range(200):
        row = await read_row(runtime, upload_id)
        if row is not None and row.upload_offset == offset:
            return row
        await asyncio.sleep(0.05)
    row = await read_row(runtime, upload_id)
    raise AssertionError(f"offset stayed at {row.upload_offset if row else None}")


async def test_tuspy_rejected_photo_marks_failed(
    live_server: str, runtime: Runtime, headers: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "cup.png"
    path.write_bytes(b"this is a text file, not a photo\n" * 50)
    client = TusClient(f"{live_server}{TUS}", headers={**headers, "Accept-Language": "zh-CN"})
    uploader = client.uploader(
        file_path=str(path), chunk_size=CHUNK, metadata={"kind": "image", "filename": "cup.png"}
    )

    with pytest.raises(TusCommunicationError) as raised:
        await asyncio.to_thread(uploader.upload)

    assert raised.value.status_code == 400
    assert b"media_unsupported" in raised.value.response_content
    assert "cup.png" in raised.value.response_content.decode()
    upload_id = uploader.url.rstrip("/").rsplit("/", 1)[-1]
    row = await read_row(runtime, upload_id)
    assert row is not None
    assert row.status == "failed"
    assert row.error is not None and row.error["code"] == "media_unsupported"
    assert row.storage_key is None


async def test_options_lists_extensions(client: httpx.AsyncClient) -> None:
    response = await client.options(TUS)

    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    extensions = response.headers["Tus-Extension"].split(",")
    for name in ("creation", "creation-with-upload", "termination", "checksum", "expiration"):
        assert name in extensions
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")
    assert "sha256" in response.headers["Tus-Checksum-Algorithm"].split(",")


async def test_creation_returns_location_and_expiry(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    response = await create_tus(client, headers, 1000, kind="image", filename="../me.jpg")

    assert response.status_code == 201
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in response.headers
    upload_id = response.headers["Location"].rsplit("/", 1)[-1]
    head = await client.head(response.headers["Location"], headers={**headers, **V1})
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == "1000"
    assert head.headers["Cache-Control"] == "no-store"
    assert "filename " + base64.b64encode(b"me.jpg").decode() in head.headers["Upload-Metadata"]
    row = await read_row(runtime, upload_id)
    assert row is not None
    assert (row.status, row.upload_length, row.filename) == ("uploading", 1000, "me.jpg")


async def test_creation_with_upload_finishes_photo(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    content = shared_face(PHOTO).read_bytes()
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()

    response = await client.post(
        TUS,
        headers={
            **headers,
            **V1,
            "Upload-Length": str(len(content)),
            "Upload-Metadata": metadata_header(kind="image", filename=PHOTO),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha256 {digest}",
        },
        content=content,
    )

    assert response.status_code == 201, response.text
    assert response.headers["Upload-Offset"] == str(len(content))
    upload_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert response.headers["Vidswap-File-Url"] == f"/api/v1/uploads/{upload_id}/file"
    metadata = await client.get(f"/api/v1/uploads/{upload_id}", headers=headers)
    assert metadata.json()["status"] == "ready"
    assert metadata.json()["media"]["faces"] == 1
    file = await client.get(metadata.json()["file_url"], headers=headers)
    assert file.content == content


@pytest.mark.parametrize(("version", "status"), [(None, 412), ("0.2.2", 412)])
async def test_unsupported_version_rejected(
    client: httpx.AsyncClient, headers: dict[str, str], version: str | None, status: int
) -> None:
    extra = {"Tus-Resumable": version} if version else {}

    response = await client.post(
        TUS,
        headers={
            **headers,
            **extra,
            "Upload-Length": "10",
            "Upload-Metadata": metadata_header(kind="image"),
        },
    )

    assert response.status_code == status
    assert response.json()["error"] == "tus_unsupported_version"
    assert response.headers["Tus-Resumable"] == "1.0.0"


@pytest.mark.parametrize(
    ("length", "metadata", "status", "code"),
    [
        ("abc", {"kind": "image"}, 400, "tus_invalid_header"),
        (None, {"kind": "image"}, 400, "tus_invalid_header"),
        ("10", {"kind": "sound"}, 400, "upload_invalid_kind"),
        ("10", {}, 400, "upload_missing_kind"),
        ("10", {"kind": ""}, 400, "upload_missing_kind"),
        (str(21 * 1024 * 1024), {"kind": "image"}, 413, "upload_too_large"),
        ("0", {"kind": "image"}, 400, "media_empty"),
    ],
)
async def test_bad_creation_rejected(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    length: str | None,
    metadata: dict[str, str],
    status: int,
    code: str,
) -> None:
    request_headers = {**headers, **V1, "Upload-Metadata": metadata_header(**metadata)}
    if length is not None:
        request_headers["Upload-Length"] = length

    response = await client.post(TUS, headers=request_headers)

    assert response.status_code == status
    assert response.json()["error"] == code
    async with runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Upload)) == 0


@pytest.mark.parametrize(
    ("metadata", "code", "english", "chinese"),
    [
        (
            {"filename": "face.jpg"},
            "upload_missing_kind",
            "Upload-Metadata has no kind. Add 'kind aW1hZ2U=' (image in base64) or "
            "'kind dmlkZW8=' (video in base64) to it.",
            "Upload-Metadata 中没有 kind。请在其中加入 'kind aW1hZ2U='（image 的 base64）"
            "或 'kind dmlkZW8='（video 的 base64）。",
        ),
        (
            {"kind": "sound"},
            "upload_invalid_kind",
            "The kind 'sound' in Upload-Metadata is invalid. Set kind to image or video, "
            "base64-encoded: 'kind aW1hZ2U=' or 'kind dmlkZW8='.",
            "Upload-Metadata 中的 kind 'sound' 无效。请将 kind 设为 image 或 video 的 base64："
            "'kind aW1hZ2U=' 或 'kind dmlkZW8='。",
        ),
    ],
)
async def test_kind_messages_name_metadata(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    metadata: dict[str, str],
    code: str,
    english: str,
    chinese: str,
) -> None:
    responses = {}
    for locale in ("en", "zh-CN"):
        responses[locale] = await create_tus(
            client, {**headers, "Accept-Language": locale}, 10, **metadata
        )

    assert responses["en"].status_code == 400
    assert responses["en"].json()["error"] == code
    assert responses["en"].json()["message"] == english
    assert responses["zh-CN"].json()["error"] == code
    assert responses["zh-CN"].json()["message"] == chinese


async def test_last_patch_returns_file_url(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    content = shared_face(PHOTO).read_bytes()
    created = await create_tus(client, headers, len(content), kind="image", filename=PHOTO)
    location = created.headers["Location"]
    upload_id = location.rsplit("/", 1)[-1]

    half = len(content) // 2
    first = await patch_chunk(client, headers, location, 0, content[:half])
    last = await patch_chunk(client, headers, location, half, content[half:])
    head = await client.head(location, headers={**headers, **V1})
    stored = await client.get(f"/api/v1/uploads/{upload_id}", headers=headers)

    assert "Vidswap-File-Url" not in created.headers
    assert "Vidswap-File-Url" not in first.headers
    assert last.status_code == 204, last.text
    assert last.headers["Vidswap-File-Url"] == f"/api/v1/uploads/{upload_id}/file"
    assert head.headers["Vidswap-File-Url"] == f"/api/v1/uploads/{upload_id}/file"
    assert stored.json()["file_url"] == last.headers["Vidswap-File-Url"]
    file = await client.get(last.headers["Vidswap-File-Url"], headers=headers)
    assert file.content == content


async def test_rejected_last_patch_has_no_file_url(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    content = b"this is a text file, not a photo\n" * 50
    created = await create_tus(client, headers, len(content), kind="image", filename="cup.png")

    last = await patch_chunk(client, headers, created.headers["Location"], 0, content)

    assert last.status_code == 400
    assert last.json()["error"] == "media_unsupported"
    assert "Vidswap-File-Url" not in last.headers


async def test_offset_mismatch_conflicts(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image", filename="a.jpg")
    location = created.headers["Location"]
    await patch_chunk(client, headers, location, 0, b"x" * 10)

    response = await patch_chunk(client, headers, location, 5, b"y" * 10)

    assert response.status_code == 409
    assert response.json()["error"] == "tus_offset_mismatch"
    assert "Upload-Offset 5" in response.json()["message"]
    assert "10 bytes" in response.json()["message"]
    row = await read_row(runtime, location.rsplit("/", 1)[-1])
    assert row is not None and row.upload_offset == 10
    assert (runtime.settings.tmp_dir / "tus" / row.id).read_bytes() == b"x" * 10


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
async def test_checksum_mismatch_discards_chunk(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], algorithm: str
) -> None:
    created = await create_tus(client, headers, 100, kind="image", filename="a.jpg")
    location = created.headers["Location"]
    wrong = base64.b64encode(hashlib.new(algorithm, b"other bytes").digest()).decode()
    right = base64.b64encode(hashlib.new(algorithm, b"a" * 20).digest()).decode()

    bad = await patch_chunk(
        client, headers, location, 0, b"a" * 20, **{"Upload-Checksum": f"{algorithm} {wrong}"}
    )
    good = await patch_chunk(
        client, headers, location, 0, b"a" * 20, **{"Upload-Checksum": f"{algorithm} {right}"}
    )

    assert bad.status_code == 460
    assert bad.json()["error"] == "tus_checksum_mismatch"
    assert algorithm in bad.json()["message"]
    assert good.status_code == 204
    assert good.headers["Upload-Offset"] == "20"
    upload_id = location.rsplit("/", 1)[-1]
    assert (runtime.settings.tmp_dir / "tus" / upload_id).read_bytes() == b"a" * 20
    assert sorted(path.name for path in (runtime.settings.tmp_dir / "tus").iterdir()) == [upload_id]


async def test_unsupported_checksum_rejected(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image")

    response = await patch_chunk(
        client, headers, created.headers["Location"], 0, b"a", **{"Upload-Checksum": "crc32 AAAA"}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "tus_unsupported_checksum"
    assert "crc32" in response.json()["message"]


async def test_patch_needs_offset_content_type(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image")

    response = await client.patch(
        created.headers["Location"],
        headers={**headers, **V1, "Upload-Offset": "0", "Content-Type": "application/json"},
        content=b"{}",
    )

    assert response.status_code == 415
    assert response.json()["error"] == "tus_unsupported_media_type"


async def test_chunk_past_length_rejected(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 10, kind="image")

    response = await patch_chunk(client, headers, created.headers["Location"], 0, b"z" * 11)

    assert response.status_code == 400
    assert response.json()["error"] == "tus_length_exceeded"
    row = await read_row(runtime, created.headers["Location"].rsplit("/", 1)[-1])
    assert row is not None and row.upload_offset == 0


async def test_concurrent_patches_one_wins(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 1000, kind="image")
    location = created.headers["Location"]

    responses = await asyncio.gather(
        *(patch_chunk(client, headers, location, 0, bytes([65 + n]) * 100) for n in range(4))
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [204, 409, 409, 409]
    row = await read_row(runtime, location.rsplit("/", 1)[-1])
    assert row is not None and row.upload_offset == 100
    written = (runtime.settings.tmp_dir / "tus" / row.id).read_bytes()
    assert len(written) == 100
    assert len(set(written)) == 1


async def test_other_users_upload_not_found(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image")
    location = created.headers["Location"]
    stranger = auth_headers(runtime, await create_user(runtime))

    head = await client.head(location, headers={**stranger, **V1})
    patch = await patch_chunk(client, stranger, location, 0, b"a")
    delete = await client.delete(location, headers={**stranger, **V1})

    assert head.status_code == 404
    assert "Upload-Offset" not in head.headers
    assert patch.status_code == 404
    assert patch.json()["error"] == "upload_not_found"
    assert delete.status_code == 404


async def test_tus_requires_token(client: httpx.AsyncClient) -> None:
    response = await client.post(TUS, headers={**V1, "Upload-Length": "10"})

    assert response.status_code == 401
    assert response.headers["Tus-Resumable"] == "1.0.0"


async def test_termination_deletes_upload(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image")
    location = created.headers["Location"]
    await patch_chunk(client, headers, location, 0, b"a" * 10)

    deleted = await client.delete(location, headers={**headers, **V1})
    head = await client.head(location, headers={**headers, **V1})

    assert deleted.status_code == 204
    assert head.status_code == 404
    upload_id = location.rsplit("/", 1)[-1]
    assert await read_row(runtime, upload_id) is None
    assert not (runtime.settings.tmp_dir / "tus" / upload_id).exists()


async def test_method_override_patch(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image")

    response = await client.post(
        created.headers["Location"],
        headers={
            **headers,
            **V1,
            "X-HTTP-Method-Override": "PATCH",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
        content=b"b" * 30,
    )

    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "30"


async def test_failed_upload_reports_reason(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    content = b"plain text, not a video\n" * 10
    created = await create_tus(client, headers, len(content), kind="video", filename="notes.mp4")
    location = created.headers["Location"]

    last = await patch_chunk(client, headers, location, 0, content)
    head = await client.head(location, headers={**headers, **V1})
    again = await patch_chunk(client, headers, location, len(content), b"")
    metadata = await client.get(
        f"/api/v1/uploads/{location.rsplit('/', 1)[-1]}",
        headers={**headers, "Accept-Language": "zh-CN"},
    )

    assert last.status_code == 400
    assert last.json()["error"] == "media_unsupported"
    assert "notes.mp4" in last.json()["message"]
    assert head.status_code == 400
    assert again.status_code == 400
    assert again.json()["error"] == "media_unsupported"
    assert metadata.json()["status"] == "failed"
    assert metadata.json()["error"]["error"] == "media_unsupported"
    assert "不是支持的图片或视频" in metadata.json()["error"]["message"]


async def test_expired_upload_gone_then_purged(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    created = await create_tus(client, headers, 100, kind="image")
    location = created.headers["Location"]
    upload_id = location.rsplit("/", 1)[-1]
    async with runtime.sessionmaker() as session:
        row = await session.get(Upload, upload_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        await session.commit()
    ready = await client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"kind": "image"},
        files={"file": (PHOTO, shared_face(PHOTO).read_bytes(), "image/jpeg")},
    )

    response = await patch_chunk(client, headers, location, 0, b"a")
    purged = await purge_expired_uploads(runtime)

    assert response.status_code == 410
    assert response.json()["error"] == "upload_expired"
    assert purged == 1
    assert await read_row(runtime, upload_id) is None
    assert not (runtime.settings.tmp_dir / "tus" / upload_id).exists()
    assert await read_row(runtime, ready.json()["upload_id"]) is not None


async def test_concurrent_patches_on_postgres(postgres_database: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", database_url=postgres_database)
    settings.ensure_data_dir()
    async with app_client(settings) as (client, runtime):
        user = await create_user(runtime)
        headers = auth_headers(runtime, user)
        content = shared_face(PHOTO).read_bytes()
        created = await create_tus(client, headers, len(content), kind="image", filename=PHOTO)
        location = created.headers["Location"]

        responses = await asyncio.gather(
            *(patch_chunk(client, headers, location, 0, content[:1000]) for _ in range(4))
        )
        rest = await patch_chunk(client, headers, location, 1000, content[1000:])

        assert sorted(response.status_code for response in responses) == [204, 409, 409, 409]
        assert rest.status_code == 204, rest.text
        row = await read_row(runtime, location.rsplit("/", 1)[-1])
        assert row is not None
        assert row.status == "ready"
        assert row.sha256 == hashlib.sha256(content).hexdigest()


async def test_repeated_last_patch_succeeds(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> None:
    content = shared_face(PHOTO).read_bytes()
    created = await create_tus(client, headers, len(content), kind="image", filename=PHOTO)
    location = created.headers["Location"]
    first = await patch_chunk(client, headers, location, 0, content)

    repeated = await patch_chunk(client, headers, location, len(content), b"")
    head = await client.head(location, headers={**headers, **V1})

    assert first.status_code == 204
    assert repeated.status_code == 204
    assert repeated.headers["Upload-Offset"] == str(len(content))
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == str(len(content))
    row = await read_row(runtime, location.rsplit("/", 1)[-1])
    assert row is not None and row.status == "ready"


async def test_finished_upload_stored_on_s3(s3_settings: Settings) -> None:
    async with app_client(s3_settings) as (client, runtime):
        user = await create_user(runtime)
        headers = auth_headers(runtime, user)
        content = shared_face(PHOTO).read_bytes()
        created = await create_tus(client, headers, len(content), kind="image", filename=PHOTO)
        location = created.headers["Location"]

        half = await patch_chunk(client, headers, location, 0, content[:30000])
        rest = await patch_chunk(client, headers, location, 30000, content[30000:])

        assert half.status_code == 204
        assert rest.status_code == 204, rest.text
        row = await read_row(runtime, location.rsplit("/", 1)[-1])
        assert row is not None and row.storage_key is not None
        assert runtime.storage.name == "s3"
        assert b"".join(runtime.storage.open_range(row.storage_key, 0, None)) == content
