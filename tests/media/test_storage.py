"""The same contract for every storage backend: local files and S3 on a real SeaweedFS."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.media.conftest import app_client
from tests.media.seaweed import SeaweedS3
from vidswap.kit.settings import Settings
from vidswap.media.storage import Storage, StorageError
from vidswap.media.storage.s3 import S3Storage

CONTENT = bytes(range(256)) * 40  # 10240 bytes, every byte value at a known position


@pytest.fixture
def prefix() -> str:
    """A fresh key prefix, because the S3 bucket is shared by the whole session."""
    return f"users/u{uuid.uuid4().hex}"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.bin"
    path.write_bytes(CONTENT)
    return path


def test_put_then_get_file(storage: Storage, prefix: str, source: Path, tmp_path: Path) -> None:
    stored = storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")
    target = tmp_path / "copy.bin"

    storage.get_file(f"{prefix}/a.bin", target)

    assert stored.key == f"{prefix}/a.bin"
    assert stored.size == len(CONTENT)
    assert target.read_bytes() == CONTENT


def test_put_replaces_object(storage: Storage, prefix: str, source: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.bin"
    other.write_bytes(b"second version")
    storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")

    storage.put_file(f"{prefix}/a.bin", other, "application/octet-stream")

    assert storage.size(f"{prefix}/a.bin") == len(b"second version")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 9, CONTENT[0:10]),
        (300, 555, CONTENT[300:556]),
        (10000, None, CONTENT[10000:]),
        (10239, 10239, CONTENT[-1:]),
        (0, None, CONTENT),
    ],
)
def test_open_range_returns_inclusive_bytes(
    storage: Storage, prefix: str, source: Path, start: int, end: int | None, expected: bytes
) -> None:
    storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")

    data = b"".join(storage.open_range(f"{prefix}/a.bin", start, end))

    assert data == expected


def test_size_and_exists(storage: Storage, prefix: str, source: Path) -> None:
    storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")

    assert storage.size(f"{prefix}/a.bin") == len(CONTENT)
    assert storage.exists(f"{prefix}/a.bin")
    assert not storage.exists(f"{prefix}/missing.bin")


def test_missing_key_raises_file_not_found(storage: Storage, prefix: str, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        storage.size(f"{prefix}/missing.bin")
    with pytest.raises(FileNotFoundError):
        b"".join(storage.open_range(f"{prefix}/missing.bin", 0, None))
    with pytest.raises(FileNotFoundError):
        storage.get_file(f"{prefix}/missing.bin", tmp_path / "out.bin")


def test_delete_removes_object(storage: Storage, prefix: str, source: Path) -> None:
    storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")

    storage.delete(f"{prefix}/a.bin")
    storage.delete(f"{prefix}/a.bin")

    assert not storage.exists(f"{prefix}/a.bin")


def test_delete_prefix_removes_only_that_prefix(
    storage: Storage, prefix: str, source: Path
) -> None:
    for key in ("uploads/1.jpg", "uploads/2.mp4", "tasks/t1/result.mp4"):
        storage.put_file(f"{prefix}/{key}", source, "application/octet-stream")
    storage.put_file(f"{prefix}-other/keep.bin", source, "application/octet-stream")

    deleted = storage.delete_prefix(prefix)

    assert deleted == 3
    assert not storage.exists(f"{prefix}/uploads/1.jpg")
    assert not storage.exists(f"{prefix}/tasks/t1/result.mp4")
    assert storage.exists(f"{prefix}-other/keep.bin")
    assert storage.delete_prefix(prefix) == 0


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "users/../../etc/passwd", "/etc/passwd", "users//a", "users/./a", ""],
)
def test_path_traversal_keys_rejected(storage: Storage, key: str, source: Path) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.put_file(key, source, "application/octet-stream")
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.exists(key)


def test_check_passes(storage: Storage) -> None:
    storage.check()


async def test_presigned_url_downloads_bytes(storage: Storage, prefix: str, source: Path) -> None:
    storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")

    url = storage.presigned_url(f"{prefix}/a.bin", 60, "我的 video.mp4")

    if storage.name == "local":
        assert url is None
        return
    assert url is not None
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert (
        "filename*=UTF-8''%E6%88%91%E7%9A%84%20video.mp4" in response.headers["content-disposition"]
    )


async def test_presigned_url_with_forged_signature_rejected(
    s3_settings: Settings, prefix: str, source: Path
) -> None:
    storage = S3Storage.from_settings(s3_settings)
    storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")
    url = storage.presigned_url(f"{prefix}/a.bin", 60, None)
    assert url is not None
    signature_start = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    forged = url[:signature_start] + "0" * 64 + url[signature_start + 64 :]

    async with httpx.AsyncClient() as client:
        response = await client.get(forged)

    assert response.status_code == 403
    assert b"SignatureDoesNotMatch" in response.content


def test_wrong_secret_rejected(seaweedfs: SeaweedS3, prefix: str, source: Path) -> None:
    storage = S3Storage(seaweedfs.client(secret_key="wrong-secret-" + "x" * 20), seaweedfs.bucket)
    owner = S3Storage(seaweedfs.client(), seaweedfs.bucket)

    with pytest.raises(StorageError) as raised:
        storage.check()
    with pytest.raises(StorageError) as raised_read:
        storage.open_range(f"{prefix}/a.bin", 0, None)

    assert raised.value.code == "storage_unavailable"
    assert "403" in raised.value.params["detail"]
    assert isinstance(raised.value.__cause__, ClientError)
    assert "SignatureDoesNotMatch" in raised_read.value.params["detail"]
    with pytest.raises(StorageError):
        storage.put_file(f"{prefix}/a.bin", source, "application/octet-stream")
    assert not owner.exists(f"{prefix}/a.bin")


def test_missing_bucket_fails_check(seaweedfs: SeaweedS3) -> None:
    storage = S3Storage(seaweedfs.client(), "no-such-bucket-" + uuid.uuid4().hex[:8])

    with pytest.raises(StorageError) as raised:
        storage.check()

    assert "no-such-bucket-" in raised.value.message("en")


def test_large_file_goes_up_in_parts(
    s3_settings: Settings, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = S3Storage.from_settings(s3_settings)
    # Lower the part size so a 12 MiB file is sent as a multipart upload of 3 parts.
    from boto3.s3.transfer import TransferConfig

    storage.transfer_config = TransferConfig(
        multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
    )
    big = tmp_path / "big.bin"
    pattern = uuid.uuid4().bytes * 65536
    big.write_bytes(pattern * 12)
    calls: list[str] = []
    original = storage.client.create_multipart_upload

    def record(**kwargs: object) -> object:
        calls.append(str(kwargs["Key"]))
        return original(**kwargs)

    monkeypatch.setattr(storage.client, "create_multipart_upload", record)

    storage.put_file(f"{prefix}/big.bin", big, "application/octet-stream")

    assert calls == [f"{prefix}/big.bin"]
    assert storage.size(f"{prefix}/big.bin") == 12 * len(pattern)
    middle = b"".join(
        storage.open_range(f"{prefix}/big.bin", 6 * len(pattern), 6 * len(pattern) + 99)
    )
    assert middle == pattern[:100]


async def test_readiness_checks_s3_bucket(s3_settings: Settings) -> None:
    async with app_client(s3_settings) as (client, _runtime):
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == "ok"
