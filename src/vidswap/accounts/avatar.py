"""Profile pictures: checked by content, re-encoded to a small JPEG and stored per user."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import structlog
from fastapi import UploadFile
from PIL import Image, ImageOps, UnidentifiedImageError

from vidswap.accounts.errors import AvatarNotImageError, AvatarTooLargeError
from vidswap.accounts.models import User
from vidswap.kit.db import new_id, transaction
from vidswap.media.keys import avatar_key
from vidswap.runtime import Runtime
from vidswap.swap.media.sniff import MediaKind, guess_kind_from_magic

log = structlog.get_logger(__name__)

CHUNK_SIZE = 256 * 1024
JPEG_QUALITY = 88
MiB = 1024 * 1024


async def receive_upload(upload: UploadFile, target: Path, *, max_bytes: int) -> int:
    """Copy ``upload`` to ``target``, stopping with ``AvatarTooLargeError`` past ``max_bytes``."""
    size = 0
    with target.open("wb") as output:
        while chunk := await upload.read(CHUNK_SIZE):
            size += len(chunk)
            if size > max_bytes:
                raise AvatarTooLargeError(
                    filename=upload.filename or "", limit=format_size(max_bytes)
                )
            output.write(chunk)
    return size


def format_size(size: int) -> str:
    return f"{size / MiB:g} MiB" if size >= MiB else f"{size} bytes"


def make_avatar(source: Path, target: Path, *, filename: str, max_side: int) -> None:
    """Write ``source`` as an upright RGB JPEG of at most ``max_side`` pixels a side.

    The type comes from the file's signature, not its name. Raises
    ``AvatarNotImageError`` for anything Pillow cannot decode as a still image.
    """
    with source.open("rb") as file:
        header = file.read(32)
    kind = guess_kind_from_magic(header)
    if kind is MediaKind.VIDEO:
        raise AvatarNotImageError(filename=filename, detail="it is a video")
    if kind is not MediaKind.IMAGE:
        raise AvatarNotImageError(filename=filename, detail="unknown file signature")
    try:
        with Image.open(source) as opened:
            opened.seek(0)  # the first frame of an animated GIF or WebP
            image = ImageOps.exif_transpose(opened)
            image = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise AvatarNotImageError(filename=filename, detail=str(exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise AvatarNotImageError(filename=filename, detail=f"cannot be decoded: {exc}") from exc
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    image.save(target, format="JPEG", quality=JPEG_QUALITY, optimize=True)


async def replace_avatar(runtime: Runtime, user: User, upload: UploadFile) -> User:
    """Store ``upload`` as the user's avatar and delete the previous one."""
    settings = runtime.settings
    filename = upload.filename or ""
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as folder:
        received = Path(folder) / "upload"
        encoded = Path(folder) / "avatar.jpg"
        await receive_upload(upload, received, max_bytes=settings.avatar_max_bytes)
        await asyncio.to_thread(
            make_avatar, received, encoded, filename=filename, max_side=settings.avatar_max_side
        )
        key = avatar_key(user.id, new_id(), ".jpg")
        await asyncio.to_thread(runtime.storage.put_file, key, encoded, "image/jpeg")

    async with transaction(runtime.sessionmaker) as session:
        # FOR UPDATE makes a concurrent upload wait, so it reads this key as its previous one.
        stored = await session.get(User, user.id, with_for_update=True)
        if stored is None:  # the account was deleted meanwhile
            await asyncio.to_thread(runtime.storage.delete, key)
            return user
        previous = stored.avatar_key
        stored.avatar_key = key
    user.avatar_key = key
    if previous and previous != key:
        await asyncio.to_thread(runtime.storage.delete, previous)
    log.info("account.avatar_replaced", user_id=user.id, key=key)
    return user
