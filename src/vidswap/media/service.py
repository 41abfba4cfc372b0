"""Upload use cases: check and store a received file, read, delete and purge uploads."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path

import structlog

from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id, transaction
from vidswap.media import repository
from vidswap.media.errors import UploadNotFoundError
from vidswap.media.inspect import MediaFacts, inspect_upload
from vidswap.media.keys import upload_key
from vidswap.media.models import Upload
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

PURGE_BATCH = 500


def spool_folder(runtime: Runtime) -> Path:
    """Return the folder for request bodies being received, under the data directory's tmp."""
    return runtime.settings.tmp_dir / "uploads"


def tus_folder(runtime: Runtime) -> Path:
    return runtime.settings.tmp_dir / "tus"


def chunk_folder(runtime: Runtime, upload_id: str) -> Path:
    """Return the folder of a chunked (gRPC) upload's chunks, one file per chunk index."""
    return runtime.settings.tmp_dir / "chunks" / upload_id


async def check_file(runtime: Runtime, path: Path, kind: str, filename: str) -> MediaFacts:
    """Inspect a received file in a worker thread; raise the error that names ``filename``."""
    return await asyncio.to_thread(inspect_upload, path, kind, filename, runtime.settings)


async def store_new_upload(
    runtime: Runtime,
    user_id: str,
    path: Path,
    *,
    kind: str,
    filename: str,
    size: int,
    sha256: str,
) -> Upload:
    """Check the file at ``path``, copy it to storage and insert its ready upload row.

    The caller still owns ``path`` and deletes it. When the row cannot be inserted
    the stored object is deleted again, so no object or row is left without the other.
    """
    facts = await check_file(runtime, path, kind, filename)
    upload_id = new_id()
    key = upload_key(user_id, upload_id, facts.extension)
    await asyncio.to_thread(runtime.storage.put_file, key, path, facts.content_type)
    upload = Upload(
        id=upload_id,
        user_id=user_id,
        kind=facts.kind,
        status="ready",
        filename=filename,
        content_type=facts.content_type,
        storage_key=key,
        size=size,
        upload_length=size,
        upload_offset=size,
        sha256=sha256,
        media=facts.media,
    )
    try:
        async with transaction(runtime.sessionmaker) as session:
            session.add(upload)
    except BaseException:
        await _delete_object_quietly(runtime, key)
        raise
    log.info("upload.stored", upload_id=upload_id, user_id=user_id, kind=kind, size=size)
    return upload


async def get_upload(runtime: Runtime, user_id: str, upload_id: str) -> Upload:
    async with runtime.sessionmaker() as session:
        upload = await repository.get_user_upload(session, user_id, upload_id)
    if upload is None:
        raise UploadNotFoundError(upload_id=upload_id)
    return upload


async def delete_upload(runtime: Runtime, user_id: str, upload_id: str) -> None:
    """Delete the row first, then its object and any partial file.

    An object whose deletion fails is left behind under the user's prefix (logged),
    never a row whose object is gone.
    """
    async with transaction(runtime.sessionmaker) as session:
        upload = await repository.get_user_upload(session, user_id, upload_id)
        if upload is None:
            raise UploadNotFoundError(upload_id=upload_id)
        await repository.delete_upload_row(session, upload_id)
    await _remove_files(runtime, upload)
    log.info("upload.deleted", upload_id=upload_id, user_id=user_id)


async def purge_expired_uploads(runtime: Runtime) -> int:
    """Delete unfinished and failed uploads past their ``expires_at``; return how many.

    Ready uploads never expire here; they live until the user or the account is deleted.
    """
    purged = 0
    while True:
        async with transaction(runtime.sessionmaker) as session:
            expired = await repository.expired_uploads(session, utcnow(), PURGE_BATCH)
            for upload in expired:
                await repository.delete_upload_row(session, upload.id)
        for upload in expired:
            await _remove_files(runtime, upload)
        purged += len(expired)
        if len(expired) < PURGE_BATCH:
            break
    if purged:
        log.info("upload.expired_purged", count=purged)
    return purged


def expiry_from_now(runtime: Runtime) -> timedelta:
    return timedelta(hours=runtime.settings.upload_expire_hours)


async def _remove_files(runtime: Runtime, upload: Upload) -> None:
    partial = tus_folder(runtime) / upload.id
    await asyncio.to_thread(partial.unlink, missing_ok=True)
    await asyncio.to_thread(shutil.rmtree, chunk_folder(runtime, upload.id), ignore_errors=True)
    if upload.storage_key:
        await _delete_object_quietly(runtime, upload.storage_key)


async def _delete_object_quietly(runtime: Runtime, key: str) -> None:
    try:
        await asyncio.to_thread(runtime.storage.delete, key)
    except Exception as exc:  # the caller's own error or result matters more
        log.error("upload.object_delete_failed", key=key, error=str(exc))
