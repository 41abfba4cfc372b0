"""Profile pictures: checked by content, re-encoded to a small JPEG, stored per user,
served by a Bearer token or a signed link, and deleted."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import structlog
from fastapi import Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from PIL import Image, ImageOps, UnidentifiedImageError

from vidswap.accounts.errors import AvatarNotFoundError, AvatarNotImageError, AvatarTooLargeError
from vidswap.accounts.models import User
from vidswap.kit.db import new_id, transaction
from vidswap.media.keys import avatar_key
from vidswap.media.links import LinkSigner, MediaAccess
from vidswap.runtime import Runtime
from vidswap.swap.media.sniff import MediaKind, guess_kind_from_magic

log = structlog.get_logger(__name__)

AVATAR_PATH = "/api/v1/users/me/avatar"
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


def avatar_url(user: User, links: LinkSigner | None) -> str | None:
    """Return the avatar's link: signed with ``links``, else the plain path.

    Each upload stores a new key, and the key's file name goes into the signed link
    as its version, so a new picture gets a new URL.
    """
    if not user.avatar_key:
        return None
    if links is None:
        return AVATAR_PATH
    return links.sign(AVATAR_PATH, user.id, version=_avatar_version(user.avatar_key))


async def avatar_response(runtime: Runtime, request: Request, access: MediaAccess) -> Response:
    """Return the avatar JPEG of the user that ``access`` authorizes, or a 304.

    Raises ``AvatarNotFoundError`` when the user has no avatar (or no longer exists)
    and ``InvalidLinkError`` or ``LinkExpiredError`` for a rejected signed link.
    """
    async with runtime.sessionmaker() as session:
        user_id = await access.user_id(runtime, session, AVATAR_PATH)
        user = await session.get(User, user_id)
    key = user.avatar_key if user else None
    if not key or not await asyncio.to_thread(runtime.storage.exists, key):
        raise AvatarNotFoundError(user_id=user_id)
    # The plain path stays the same across uploads, so clients must revalidate
    # ("no-cache") with the ETag, which names this version of the picture.
    etag = f'"{_avatar_version(key)}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    size = await asyncio.to_thread(runtime.storage.size, key)
    return StreamingResponse(
        runtime.storage.open_range(key, 0, None),
        media_type="image/jpeg",
        headers={**headers, "Content-Length": str(size)},
    )


async def delete_avatar(runtime: Runtime, user: User) -> User:
    """Remove the user's avatar and its file; raise ``AvatarNotFoundError`` when there is none."""
    async with transaction(runtime.sessionmaker) as session:
        stored = await session.get(User, user.id, with_for_update=True)
        key = stored.avatar_key if stored else None
        if stored is None or key is None:
            raise AvatarNotFoundError(user_id=user.id)
        stored.avatar_key = None
    user.avatar_key = None
    await asyncio.to_thread(runtime.storage.delete, key)
    log.info("account.avatar_deleted", user_id=user.id, key=key)
    return user


def _avatar_version(key: str) -> str:
    return key.rsplit("/", 1)[-1].removesuffix(".jpg")
