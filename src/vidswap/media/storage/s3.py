"""Storage on an S3-compatible server (AWS S3, Aliyun OSS, MinIO, SeaweedFS) through boto3.

Credentials come from boto3's standard chain (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, a profile or an instance role). Requests are signed
with Signature Version 4: SeaweedFS 4.48 rejects presigned Version 2 URLs that
carry a ``response-content-disposition`` parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import structlog
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from vidswap.kit.settings import Settings
from vidswap.media.headers import content_disposition
from vidswap.media.storage.base import StorageError, StoredObject, validate_key

log = structlog.get_logger(__name__)

MiB = 1024 * 1024
# Files above the threshold go up as a multipart upload in parts of this size.
MULTIPART_THRESHOLD = 16 * MiB
MULTIPART_PART_SIZE = 16 * MiB
DOWNLOAD_CHUNK_SIZE = 256 * 1024
# DeleteObjects accepts at most 1000 keys per request.
DELETE_BATCH_SIZE = 1000
MISSING_KEY_CODES = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    """Objects in one bucket; every call is blocking, so async code runs it in a thread."""

    name = "s3"

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.transfer_config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_PART_SIZE
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        if not settings.s3_bucket:
            raise StorageError(detail="VIDSWAP_S3_BUCKET is not set")
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": settings.s3_addressing},
            retries={"max_attempts": 3, "mode": "standard"},
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=config,
        )
        return cls(client, settings.s3_bucket)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        validate_key(key)
        extra = {"ContentType": content_type} if content_type else None
        try:
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs=extra, Config=self.transfer_config
            )
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise StorageError(detail=f"uploading {key} failed: {_reason(exc)}") from exc
        return StoredObject(key=key, size=path.stat().st_size)

    def get_file(self, key: str, path: Path) -> None:
        validate_key(key)
        try:
            self.client.download_file(self.bucket, key, str(path), Config=self.transfer_config)
        except ClientError as exc:
            raise _translate(exc, key, "downloading") from exc
        except BotoCoreError as exc:
            raise StorageError(detail=f"downloading {key} failed: {_reason(exc)}") from exc

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        validate_key(key)
        byte_range = f"bytes={start}-" if end is None else f"bytes={start}-{end}"
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key, Range=byte_range)
        except ClientError as exc:
            raise _translate(exc, key, "reading") from exc
        except BotoCoreError as exc:
            raise StorageError(detail=f"reading {key} failed: {_reason(exc)}") from exc
        return _iterate_body(response["Body"], key)

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(detail=f"deleting {key} failed: {_reason(exc)}") from exc

    def delete_prefix(self, prefix: str) -> int:
        folder = validate_key(prefix.rstrip("/")) + "/"
        deleted = 0
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(
                Bucket=self.bucket, Prefix=folder, PaginationConfig={"PageSize": DELETE_BATCH_SIZE}
            ):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    deleted += self._delete_batch(keys)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(detail=f"deleting {folder} failed: {_reason(exc)}") from exc
        log.info("storage.prefix_deleted", backend=self.name, prefix=folder, count=deleted)
        return deleted

    def presigned_url(self, key: str, expires_seconds: int, filename: str | None) -> str | None:
        validate_key(key)
        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        try:
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params=params, ExpiresIn=expires_seconds
                )
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(detail=f"signing a URL for {key} failed: {_reason(exc)}") from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(detail=f"bucket {self.bucket}: {_reason(exc)}") from exc

    def _head(self, key: str) -> dict[str, Any]:
        validate_key(key)
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=key))
        except ClientError as exc:
            raise _translate(exc, key, "reading") from exc
        except BotoCoreError as exc:
            raise StorageError(detail=f"reading {key} failed: {_reason(exc)}") from exc

    def _delete_batch(self, keys: list[dict[str, str]]) -> int:
        response = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
        )
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise StorageError(
                detail=f"deleting {first.get('Key')} failed: {first.get('Code')} {first.get('Message')}"
            )
        return len(keys)


def _iterate_body(body: Any, key: str) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(DOWNLOAD_CHUNK_SIZE)
    except BotoCoreError as exc:
        raise StorageError(detail=f"reading {key} failed: {_reason(exc)}") from exc
    finally:
        body.close()


def _translate(exc: ClientError, key: str, action: str) -> Exception:
    """Map a missing key to ``FileNotFoundError`` and anything else to ``StorageError``."""
    if exc.response.get("Error", {}).get("Code") in MISSING_KEY_CODES:
        return FileNotFoundError(key)
    return StorageError(detail=f"{action} {key} failed: {_reason(exc)}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()
    return type(exc).__name__
