"""Chunked uploads of the gRPC UploadVideo call, resumable by upload id.

An upload is an ``uploads`` row with status ``uploading`` plus a folder
``<tmp_dir>/chunks/<upload_id>/`` that contains ``manifest.json`` (the number of
chunks and the expected SHA-256) and one file per received chunk index. Each
chunk is written to a temporary name and renamed into place, so a chunk that
arrives twice replaces the first copy whole and an interrupted stream leaves
only complete chunks. When the last missing chunk is stored, the chunks are
joined in index order into the tus partial file, and ``vidswap.media.tus.finish``
gives the result the same content checks and storage as every other upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path

import structlog
from sqlalchemy import update

from vidswap.grpc.errors import (
    ChecksumChangedError,
    ChunkIndexError,
    ChunkTooLargeError,
    EmptyChunkError,
    InvalidChecksumError,
    InvalidFileTypeError,
    InvalidTotalChunksError,
    InvalidUploadIdError,
    TotalChunksChangedError,
    UploadChecksumMismatchError,
    UploadClosedError,
    UploadNotResumableError,
)
from vidswap.kit.clock import utcnow
from vidswap.kit.db import execute_count, transaction
from vidswap.media import service, tus
from vidswap.media.errors import UploadNotFoundError
from vidswap.media.models import Upload
from vidswap.media.multipart import size_limit
from vidswap.media.names import display_name
from vidswap.media.spool import too_large
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

# 100,000 chunks of 16 KiB still cover a 1.5 GiB file.
MAX_TOTAL_CHUNKS = 100_000
MANIFEST = "manifest.json"
CHUNK_SUFFIX = ".chunk"
COPY_BUFFER = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# One lock per upload in this process, so two calls never join the chunks at once.
_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@dataclass
class Manifest:
    total_chunks: int
    sha256: str | None


@dataclass
class ChunkState:
    """An upload's progress: its row and the chunk indexes stored so far."""

    upload: Upload
    total_chunks: int
    received: list[int]

    @property
    def missing(self) -> list[int]:
        have = set(self.received)
        return [index for index in range(self.total_chunks) if index not in have]


def parse_file_type(value: str) -> str:
    """Return ``image`` or ``video`` for a kind name or a MIME type such as ``video/mp4``."""
    text = value.strip().lower()
    kind = text.split("/", 1)[0] if "/" in text else text
    if kind not in ("image", "video"):
        raise InvalidFileTypeError(file_type=value)
    return kind


def parse_total_chunks(value: int) -> int:
    if not 1 <= value <= MAX_TOTAL_CHUNKS:
        raise InvalidTotalChunksError(total_chunks=value, limit=MAX_TOTAL_CHUNKS)
    return value


def parse_sha256(value: str) -> str | None:
    text = value.strip().lower()
    if not text:
        return None
    if not _SHA256.fullmatch(text):
        raise InvalidChecksumError(sha256=value[:80])
    return text


def check_upload_id(value: str) -> str:
    if not _UPLOAD_ID.fullmatch(value):
        raise InvalidUploadIdError(upload_id=value[:80])
    return value


async def start(
    runtime: Runtime,
    user_id: str,
    *,
    filename: str,
    file_type: str,
    total_chunks: int,
    sha256: str,
) -> Upload:
    """Insert an ``uploading`` row and create its chunk folder; return the row."""
    kind = parse_file_type(file_type)
    total = parse_total_chunks(total_chunks)
    expected = parse_sha256(sha256)
    upload = Upload(
        user_id=user_id,
        kind=kind,
        status="uploading",
        filename=display_name(filename),
        storage_key=None,
        size=0,
        upload_offset=0,
        expires_at=utcnow() + service.expiry_from_now(runtime),
    )
    async with transaction(runtime.sessionmaker) as session:
        session.add(upload)
    folder = service.chunk_folder(runtime, upload.id)
    await asyncio.to_thread(_write_manifest, folder, Manifest(total, expected))
    log.info("grpc_upload.started", upload_id=upload.id, user_id=user_id, kind=kind, chunks=total)
    return upload


async def state(runtime: Runtime, user_id: str, upload_id: str) -> ChunkState:
    """Return the caller's upload with its stored chunk indexes.

    A ready or failed upload reports every chunk or none. An upload started over tus
    has no chunk folder and raises ``UploadNotResumableError``.
    """
    upload = await tus.get_open_upload(runtime, user_id, check_upload_id(upload_id))
    folder = service.chunk_folder(runtime, upload.id)
    manifest = await asyncio.to_thread(_read_manifest, folder)
    if manifest is None:
        if upload.status == "uploading":
            raise UploadNotResumableError(upload_id=upload.id)
        return ChunkState(upload, 0, [])
    received = await asyncio.to_thread(_stored_indexes, folder)
    return ChunkState(upload, manifest.total_chunks, received)


async def add_chunk(
    runtime: Runtime,
    upload: Upload,
    *,
    chunk_index: int,
    total_chunks: int,
    data: bytes,
    sha256: str,
) -> ChunkState:
    """Store one chunk; after the last missing one, join the chunks and finish the upload.

    Raises the error of a bad chunk before anything is written, and the media or
    checksum error of a finished file that is rejected.
    """
    async with _lock(upload.id):
        if upload.status != "uploading":
            raise UploadClosedError(upload_id=upload.id, status=upload.status)
        folder = service.chunk_folder(runtime, upload.id)
        manifest = await asyncio.to_thread(_read_manifest, folder)
        if manifest is None:
            raise UploadNotResumableError(upload_id=upload.id)
        _check_chunk(runtime, upload, manifest, chunk_index, total_chunks, data)
        manifest = await _merge_checksum(folder, upload, manifest, sha256)

        received = await asyncio.to_thread(
            _store_chunk, folder, chunk_index, data, size_limit(runtime.settings, upload.kind)
        )
        if received is None:
            raise too_large(upload.kind, size_limit(runtime.settings, upload.kind))
        current = ChunkState(upload, manifest.total_chunks, received)
        if not current.missing:
            await _finish(runtime, upload, folder, manifest)
        return current


def _check_chunk(
    runtime: Runtime,
    upload: Upload,
    manifest: Manifest,
    chunk_index: int,
    total_chunks: int,
    data: bytes,
) -> None:
    if total_chunks != manifest.total_chunks:
        raise TotalChunksChangedError(
            upload_id=upload.id, total_chunks=total_chunks, expected=manifest.total_chunks
        )
    if not 0 <= chunk_index < manifest.total_chunks:
        raise ChunkIndexError(
            chunk_index=chunk_index,
            total_chunks=manifest.total_chunks,
            last=manifest.total_chunks - 1,
        )
    if not data:
        raise EmptyChunkError(chunk_index=chunk_index)
    limit = runtime.settings.grpc_max_chunk_bytes
    if len(data) > limit:
        raise ChunkTooLargeError(chunk_index=chunk_index, size=len(data), limit=limit)


async def _merge_checksum(
    folder: Path, upload: Upload, manifest: Manifest, sha256: str
) -> Manifest:
    """Record a checksum sent with a chunk; one that differs from the recorded one is rejected."""
    sent = parse_sha256(sha256)
    if sent is None or sent == manifest.sha256:
        return manifest
    if manifest.sha256 is not None:
        raise ChecksumChangedError(upload_id=upload.id, sha256=sent, expected=manifest.sha256)
    updated = Manifest(manifest.total_chunks, sent)
    await asyncio.to_thread(_write_manifest, folder, updated)
    return updated


async def _finish(runtime: Runtime, upload: Upload, folder: Path, manifest: Manifest) -> None:
    """Join the chunks into the tus partial file, check the checksum and hand over to tus."""
    partial = service.tus_folder(runtime) / upload.id
    size, actual = await asyncio.to_thread(_join_chunks, folder, manifest.total_chunks, partial)
    if manifest.sha256 is not None and actual != manifest.sha256:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        log.info("grpc_upload.checksum_mismatch", upload_id=upload.id)
        raise UploadChecksumMismatchError(
            upload_id=upload.id, actual=actual, expected=manifest.sha256
        )

    async with transaction(runtime.sessionmaker) as session:
        updated = await execute_count(
            session,
            update(Upload)
            .where(Upload.id == upload.id, Upload.status == "uploading")
            .values(upload_length=size, upload_offset=size, size=size),
        )
    if updated != 1:
        # Deleted while its chunks were joined.
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        raise UploadNotFoundError(upload_id=upload.id)
    upload.upload_length = size
    upload.upload_offset = size

    try:
        await tus.finish(runtime, upload, rejected_event="grpc_upload.rejected")
    finally:
        # Finished or rejected, the chunks are no longer needed.
        await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
        _forget_chunks(folder)
    log.info("grpc_upload.finished", upload_id=upload.id, size=size, status=upload.status)


def _lock(upload_id: str) -> asyncio.Lock:
    lock = _locks.get(upload_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[upload_id] = lock
    return lock


# Blocking file work, run in worker threads.


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{MANIFEST}.{uuid.uuid4().hex}"
    temporary.write_text(
        json.dumps({"total_chunks": manifest.total_chunks, "sha256": manifest.sha256}),
        encoding="utf-8",
    )
    temporary.replace(folder / MANIFEST)


def _read_manifest(folder: Path) -> Manifest | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Manifest(int(data["total_chunks"]), data.get("sha256"))


def _stored_indexes(folder: Path) -> list[int]:
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(int(name[: -len(CHUNK_SUFFIX)]) for name in names if name.endswith(CHUNK_SUFFIX))


def _store_chunk(folder: Path, index: int, data: bytes, limit: int) -> list[int] | None:
    """Write chunk ``index`` in place of any earlier copy; return the stored indexes.

    Returns ``None``, writing nothing, when the stored chunks with this one would be
    larger than ``limit`` bytes.
    """
    sizes = _chunk_sizes(folder)
    stored = sum(size for stored_index, size in sizes.items() if stored_index != index)
    if stored + len(data) > limit:
        return None
    target = folder / f"{index}{CHUNK_SUFFIX}"
    temporary = folder / f"{index}.{uuid.uuid4().hex}.part"
    with temporary.open("xb") as chunk_file:
        chunk_file.write(data)
        chunk_file.flush()
        os.fsync(chunk_file.fileno())
    temporary.replace(target)
    sizes[index] = len(data)
    return sorted(sizes)


# Chunk sizes per upload folder, read from disk once per process and then kept up to
# date, so storing a chunk does not list the folder again (which made an upload's cost
# grow with the square of its chunk count). Chunks of one upload are written under
# that upload's lock.
# NOTE: chunks that a second server process writes to the same shared folder are not
# seen here. They count once this process restarts or the client sends them again.
_CHUNK_SIZES: dict[Path, dict[int, int]] = {}


def _chunk_sizes(folder: Path) -> dict[int, int]:
    sizes = _CHUNK_SIZES.get(folder)
    if sizes is None:
        sizes = {}
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(folder):
                if entry.name.endswith(CHUNK_SUFFIX):
                    sizes[int(entry.name[: -len(CHUNK_SUFFIX)])] = entry.stat().st_size
        _CHUNK_SIZES[folder] = sizes
    return sizes


def _forget_chunks(folder: Path) -> None:
    _CHUNK_SIZES.pop(folder, None)


def _join_chunks(folder: Path, total_chunks: int, partial: Path) -> tuple[int, str]:
    """Write chunks 0..total_chunks-1 in order to ``partial``; return its size and SHA-256."""
    partial.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with partial.open("wb") as target:
        for index in range(total_chunks):
            with (folder / f"{index}{CHUNK_SUFFIX}").open("rb") as source:
                while block := source.read(COPY_BUFFER):
                    target.write(block)
                    digest.update(block)
                    size += len(block)
        target.flush()
        os.fsync(target.fileno())
    return size, digest.hexdigest()
