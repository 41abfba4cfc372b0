"""Store real test media as ready uploads, the way the upload endpoints leave them."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.shared_media import shared_face, shared_video
from vidswap.accounts.models import User
from vidswap.kit.clock import utcnow
from vidswap.kit.db import new_id
from vidswap.media.keys import upload_file_url, upload_key
from vidswap.media.models import Upload
from vidswap.runtime import Runtime

FACE = "obama-official-portrait-2012.jpg"
NO_FACE = "no-face-coffee-cup-cc0.png"
# The shortest shared video: 1.05 s, 31 frames, HEVC with AAC stereo.
SHORT_CLIP = "indoor-group-event-1s-hevc-ccby.mp4"
SHORT_CLIP_SECONDS = 1.05
# 3.88 s of 720p: long enough to cancel or kill a worker in the middle.
LONG_CLIP = "obama-weekly-address-talking-720p-a.mp4"


async def store_upload(
    runtime: Runtime,
    user: User,
    path: Path,
    kind: str,
    *,
    media: dict[str, Any] | None = None,
    status: str = "ready",
) -> Upload:
    """Put ``path`` into storage under the user's upload key and insert its row."""
    upload_id = new_id()
    key = upload_key(user.id, upload_id, path.suffix.lower())
    stored = runtime.storage.put_file(key, path, "application/octet-stream")
    now = utcnow()
    upload = Upload(
        id=upload_id,
        user_id=user.id,
        kind=kind,
        status=status,
        filename=path.name,
        storage_key=key,
        size=stored.size,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        media=media,
        created_at=now,
        updated_at=now,
    )
    async with runtime.sessionmaker() as session:
        session.add(upload)
        await session.commit()
    return upload


def file_url(upload: Upload) -> str:
    return upload_file_url(upload.id)


async def face_upload(runtime: Runtime, user: User, name: str = FACE) -> Upload:
    return await store_upload(runtime, user, shared_face(name), "image")


async def clip_upload(runtime: Runtime, user: User, name: str = SHORT_CLIP) -> Upload:
    """A video upload; the short clip carries its probed duration like a real upload."""
    media = {"duration": SHORT_CLIP_SECONDS} if name == SHORT_CLIP else None
    return await store_upload(runtime, user, shared_video(name), "video", media=media)


async def task_request(runtime: Runtime, user: User, **overrides: Any) -> dict[str, Any]:
    """A valid POST /tasks body for ``user`` with fresh uploads of the face and short clip."""
    face = await face_upload(runtime, user)
    clip = await clip_upload(runtime, user)
    body: dict[str, Any] = {
        "image_url": file_url(face),
        "video_url": file_url(clip),
        "options": {},
        "consent": True,
    }
    body.update(overrides)
    return body
