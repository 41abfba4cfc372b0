"""POST /uploads/base64: small photos sent inline in JSON."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest

from tests.conftest import auth_headers, create_user
from tests.media.conftest import app_client, settings_with
from tests.shared_media import shared_face

PHOTO = "mugshot-young-man-frontal-meds2.jpg"
ROTATED = "mugshot-woman-exif-orientation5-meds2.jpg"


async def test_base64_photo_stored(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    content = shared_face(PHOTO).read_bytes()

    response = await client.post(
        "/api/v1/uploads/base64",
        headers=headers,
        json={"kind": "image", "data": base64.b64encode(content).decode(), "filename": "me.jpg"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert response.json()["filename"] == "me.jpg"
    assert response.json()["media"]["faces"] == 1
    file = await client.get(response.json()["file_url"], headers=headers)
    assert file.content == content


async def test_data_url_with_exif_rotation(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    content = shared_face(ROTATED).read_bytes()
    encoded = base64.urlsafe_b64encode(content).decode().rstrip("=")

    response = await client.post(
        "/api/v1/uploads/base64",
        headers=headers,
        json={"kind": "image", "data": f"data:image/jpeg;base64,{encoded}"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "photo"
    assert (response.json()["media"]["width"], response.json()["media"]["height"]) == (480, 600)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "image", "data": "not base64 at all!"}, 400, "upload_invalid_base64"),
        ({"kind": "image", "data": ""}, 400, "media_empty"),
        ({"kind": "video", "data": "AAAA"}, 422, "validation_error"),
        ({"kind": "image"}, 422, "validation_error"),
    ],
)
async def test_bad_base64_rejected(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, str], status: int, code: str
) -> None:
    response = await client.post("/api/v1/uploads/base64", headers=headers, json=body)

    assert response.status_code == status, response.text
    assert response.json()["error"] == code


async def test_invalid_json_rejected(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/uploads/base64",
        headers={**headers, "Content-Type": "application/json"},
        content=b"{not json",
    )

    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_base64_over_limit_rejected(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, max_image_bytes=10_000)
    async with app_client(settings) as (client, runtime):
        user = await create_user(runtime)
        content = shared_face(PHOTO).read_bytes()

        response = await client.post(
            "/api/v1/uploads/base64",
            headers=auth_headers(runtime, user),
            json={"kind": "image", "data": base64.b64encode(content).decode()},
        )

        assert response.status_code == 413
        assert response.json()["error"] == "upload_too_large"
        assert "10000 bytes" in response.json()["message"]


async def test_base64_body_over_limit_rejected_unread(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, max_image_bytes=1_000)
    async with app_client(settings) as (client, runtime):
        user = await create_user(runtime)

        response = await client.post(
            "/api/v1/uploads/base64",
            headers=auth_headers(runtime, user),
            json={"kind": "image", "data": "A" * 200_000},
        )

        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
