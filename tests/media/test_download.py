"""GET /uploads/{id}/file: whole file, byte ranges, 416, and the redirect on S3."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import auth_headers, create_user
from tests.media.conftest import app_client
from tests.shared_media import shared_face, shared_video
from vidswap.kit.settings import Settings
from vidswap.media.download import ByteRange, UnsatisfiableRange, parse_range
from vidswap.media.models import Upload

VIDEO = "indoor-group-event-1s-hevc-ccby.mp4"
PHOTO = "grace-hopper-glasses-us-navy.jpg"


@pytest.fixture
async def video_upload(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    content = shared_video(VIDEO).read_bytes()
    response = await client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"kind": "video"},
        files={"file": ("我的视频.mp4", content, "video/mp4")},
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "content": content}


async def test_whole_file_served(
    client: httpx.AsyncClient, headers: dict[str, str], video_upload: dict[str, object]
) -> None:
    response = await client.get(str(video_upload["file_url"]), headers=headers)

    assert response.status_code == 200
    assert response.content == video_upload["content"]
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Length"] == str(video_upload["size"])
    assert response.headers["ETag"] == f'"{video_upload["sha256"]}"'
    assert (
        "filename*=UTF-8''%E6%88%91%E7%9A%84%E8%A7%86%E9%A2%91.mp4"
        in response.headers["Content-Disposition"]
    )


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, None),
        ("bytes=-500", -500, None),
        ("bytes=69000-999999", 69000, None),
    ],
)
async def test_range_served_partially(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    video_upload: dict[str, object],
    header: str,
    start: int,
    end: int | None,
) -> None:
    content = video_upload["content"]
    assert isinstance(content, bytes)
    size = len(content)
    expected = content[start:] if end is None else content[start : end + 1]
    first = start if start >= 0 else size + start

    response = await client.get(str(video_upload["file_url"]), headers={**headers, "Range": header})

    assert response.status_code == 206
    assert response.content == expected
    assert response.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert response.headers["Content-Length"] == str(len(expected))


async def test_range_past_end_rejected(
    client: httpx.AsyncClient, headers: dict[str, str], video_upload: dict[str, object]
) -> None:
    size = video_upload["size"]

    response = await client.get(
        str(video_upload["file_url"]), headers={**headers, "Range": f"bytes={size}-"}
    )

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"
    assert response.json()["error"] == "range_not_satisfiable"
    assert f"{size} bytes" in response.json()["message"]


async def test_stale_if_range_gets_whole_file(
    client: httpx.AsyncClient, headers: dict[str, str], video_upload: dict[str, object]
) -> None:
    response = await client.get(
        str(video_upload["file_url"]),
        headers={**headers, "Range": "bytes=0-9", "If-Range": '"an-older-version"'},
    )
    matching = await client.get(
        str(video_upload["file_url"]),
        headers={**headers, "Range": "bytes=0-9", "If-Range": f'"{video_upload["sha256"]}"'},
    )

    assert response.status_code == 200
    assert response.content == video_upload["content"]
    assert matching.status_code == 206


async def test_unfinished_upload_not_ready(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/uploads/tus",
        headers={
            **headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "100",
            "Upload-Metadata": "kind aW1hZ2U=",
        },
    )
    upload_id = created.headers["Location"].rsplit("/", 1)[-1]

    response = await client.get(f"/api/v1/uploads/{upload_id}/file", headers=headers)

    assert response.status_code == 409
    assert response.json()["error"] == "upload_not_ready"
    assert upload_id in response.json()["message"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=5-2", None),
        ("bytes=0-1,4-5", None),
        ("items=0-5", None),
        ("bytes=-", None),
        ("bytes=-20", ByteRange(0, 9)),
        ("bytes=3-100", ByteRange(3, 9)),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 10) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=-0", "bytes=11-20"])
def test_parse_range_unsatisfiable(header: str) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, 10)


async def test_s3_upload_end_to_end(s3_settings: Settings, tmp_path: Path) -> None:
    async with app_client(s3_settings) as (client, runtime):
        user = await create_user(runtime)
        headers = auth_headers(runtime, user)
        content = shared_face(PHOTO).read_bytes()

        created = await client.post(
            "/api/v1/uploads",
            headers=headers,
            data={"kind": "image"},
            files={"file": ("portrait.jpg", content, "image/jpeg")},
        )
        assert created.status_code == 201, created.text
        upload_id = created.json()["upload_id"]
        async with runtime.sessionmaker() as session:
            row = await session.get(Upload, upload_id)
        assert row is not None and row.storage_key is not None
        assert runtime.storage.name == "s3"
        assert runtime.storage.size(row.storage_key) == len(content)

        # Photos stream through the API from S3, so a web page can draw them;
        # videos redirect to a signed URL (tests/jobs/test_media_links.py).
        downloaded = await client.get(created.json()["file_url"], headers=headers)
        partial = await client.get(
            created.json()["file_url"], headers={**headers, "Range": "bytes=0-9"}
        )
        assert downloaded.status_code == 200
        assert downloaded.content == content
        assert 'filename="portrait.jpg"' in downloaded.headers["content-disposition"]
        assert partial.status_code == 206
        assert partial.content == content[:10]

        deleted = await client.delete(f"/api/v1/uploads/{upload_id}", headers=headers)
        assert deleted.status_code == 204
        assert not runtime.storage.exists(row.storage_key)
