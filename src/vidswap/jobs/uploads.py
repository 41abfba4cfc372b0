"""Resolve the upload ``file_url``s of a task request to the caller's upload rows."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.jobs.errors import (
    InvalidMediaUrlError,
    NoFaceInTargetPhotoError,
    UploadKindError,
    UploadNotFoundError,
    UploadNotReadyError,
)
from vidswap.jobs.repository import get_user_upload
from vidswap.media.models import Upload
from vidswap.media.storage import Storage
from vidswap.swap.errors import NoFaceError

# The path part of an upload's file_url, optionally after a scheme and host.
FILE_URL_PATTERN = r"^(?:https?://[^/?#]+)?/api/v1/uploads/([A-Za-z0-9_-]{1,64})/file/?$"
_FILE_URL = re.compile(FILE_URL_PATTERN)


def upload_id_from_url(field: str, url: str) -> str:
    match = _FILE_URL.match(url.strip())
    if match is None:
        raise InvalidMediaUrlError(field=field, url=url)
    return match.group(1)


async def resolve_upload(
    session: AsyncSession, user_id: str, field: str, url: str, kinds: tuple[str, ...]
) -> Upload:
    """Return the caller's ready upload behind ``url`` whose kind is one of ``kinds``."""
    upload = await get_user_upload(session, user_id, upload_id_from_url(field, url))
    if upload is None:
        raise UploadNotFoundError(field=field, url=url)
    if upload.status != "ready" or upload.storage_key is None:
        raise UploadNotReadyError(field=field, url=url)
    if upload.kind not in kinds:
        raise UploadKindError(field=field, url=url, kind=upload.kind, expected=" or ".join(kinds))
    return upload


def require_face(upload: Upload, *, target: bool) -> None:
    """Raise when the upload is a photo in which the upload check found no face.

    A face or reference photo gets the advice for a usable face photo. A target photo
    gets its own message. Videos and rows without a face count pass, and the worker
    rejects a face photo without a face when it runs the task.
    """
    if upload.kind != "image" or (upload.media or {}).get("faces") != 0:
        return
    if target:
        raise NoFaceInTargetPhotoError(filename=upload.filename)
    raise NoFaceError(path=upload.filename)


async def video_duration(storage: Storage, upload: Upload, tmp_dir: Path) -> float | None:
    """Return the length of a video upload in seconds; ``None`` for an image.

    Uses the duration recorded when the upload was probed, and probes the stored
    file when the upload has none.
    """
    if upload.kind != "video":
        return None
    media = upload.media or {}
    for name in ("duration_seconds", "duration"):
        value = media.get(name)
        if isinstance(value, int | float) and value > 0:
            return float(value)
    assert upload.storage_key is not None
    return await asyncio.to_thread(_probe_stored_duration, storage, upload.storage_key, tmp_dir)


def _probe_stored_duration(storage: Storage, key: str, tmp_dir: Path) -> float:
    from vidswap.swap.media.video import probe_video

    folder = Path(tempfile.mkdtemp(prefix="probe-", dir=tmp_dir))
    try:
        path = folder / Path(key).name
        storage.get_file(key, path)
        return probe_video(path).duration
    finally:
        shutil.rmtree(folder, ignore_errors=True)
