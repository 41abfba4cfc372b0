"""tus 1.0 resumable uploads: header parsing, chunk appends and completion.

Chunks are appended to a partial file ``<tmp_dir>/tus/<upload_id>``; the row's
``upload_offset`` is the number of bytes committed to it. Each PATCH body goes
to its own chunk file first, so a bad checksum or an offset conflict discards
it without touching the partial file. Then one transaction advances the offset
with a conditional UPDATE and appends the chunk while the row is locked.
When the last byte arrives the file gets the same checks as a multipart upload
and moves to storage; a rejected file marks the upload ``failed`` with the error.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import structlog
from starlette.requests import ClientDisconnect, Request

from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.kit.errors import BadInputError, VidswapError
from vidswap.kit.i18n import SUPPORTED_LOCALES
from vidswap.media import repository, service
from vidswap.media.errors import (
    InvalidKindError,
    MissingKindError,
    TusChecksumAlgorithmError,
    TusChecksumMismatchError,
    TusHeaderError,
    TusIncompleteError,
    TusInvalidKindError,
    TusLengthExceededError,
    TusMissingKindError,
    TusOffsetMismatchError,
    UploadExpiredError,
    UploadNotFoundError,
    UploadNotTusError,
)
from vidswap.media.keys import upload_key
from vidswap.media.models import Upload
from vidswap.media.multipart import parse_kind, size_limit
from vidswap.media.names import display_name
from vidswap.media.spool import too_large
from vidswap.runtime import Runtime
from vidswap.swap.errors import EmptyMediaError

log = structlog.get_logger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"
COPY_BUFFER = 1024 * 1024


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


# Header parsing


def parse_length(value: str | None, header: str) -> int:
    if value is None or not value.strip().isdigit():
        raise TusHeaderError(header=header, value=value or "", hint="Send a whole number of bytes.")
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """Decode ``Upload-Metadata``: comma-separated ``key base64value`` pairs."""
    metadata: dict[str, str] = {}
    for pair in (value or "").split(","):
        if not pair.strip():
            continue
        key, _, encoded = pair.strip().partition(" ")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise TusHeaderError(
                header="Upload-Metadata",
                value=pair.strip()[:80],
                hint="Each value must be base64 of UTF-8 text.",
            ) from exc
    return metadata


def metadata_kind(metadata: dict[str, str]) -> str:
    """Return ``image`` or ``video`` from the decoded ``Upload-Metadata``.

    The errors for a missing or invalid kind tell the client to fix the header.
    """
    try:
        return parse_kind(metadata.get("kind"))
    except MissingKindError as exc:
        raise TusMissingKindError() from exc
    except InvalidKindError as exc:
        raise TusInvalidKindError(**exc.params) from exc


def encode_metadata(upload: Upload) -> str:
    pairs = {"kind": upload.kind, "filename": upload.filename}
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in pairs.items()
    )


def parse_checksum(value: str | None) -> Checksum | None:
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusChecksumAlgorithmError(
            algorithm=algorithm, supported=", ".join(CHECKSUM_ALGORITHMS)
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as exc:
        raise TusHeaderError(
            header="Upload-Checksum", value=value, hint="Send '<algorithm> <base64 digest>'."
        ) from exc
    return Checksum(algorithm, digest)


def http_date(upload: Upload) -> str | None:
    return format_datetime(upload.expires_at, usegmt=True) if upload.expires_at else None


# Creation


async def create(runtime: Runtime, user_id: str, length: int, metadata: dict[str, str]) -> Upload:
    kind = metadata_kind(metadata)
    filename = display_name(metadata.get("filename"))
    limit = size_limit(runtime.settings, kind)
    if length > limit:
        raise too_large(kind, limit)
    if length == 0:
        raise EmptyMediaError(path=filename)
    upload = Upload(
        user_id=user_id,
        kind=kind,
        status="uploading",
        filename=filename,
        storage_key=None,
        size=0,
        upload_length=length,
        upload_offset=0,
        expires_at=utcnow() + service.expiry_from_now(runtime),
    )
    async with transaction(runtime.sessionmaker) as session:
        session.add(upload)
    folder = service.tus_folder(runtime)
    await asyncio.to_thread(_create_partial, folder, upload.id)
    log.info("tus.created", upload_id=upload.id, user_id=user_id, kind=kind, length=length)
    return upload


def _create_partial(folder: Path, upload_id: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / upload_id).touch()


# Lookup


async def get_open_upload(runtime: Runtime, user_id: str, upload_id: str) -> Upload:
    """Return the caller's upload; raise 404 when unknown, 410 when it expired unfinished."""
    upload = await service.get_upload(runtime, user_id, upload_id)
    if upload.status == "uploading" and upload.expires_at and upload.expires_at < utcnow():
        raise UploadExpiredError(upload_id=upload_id)
    return upload


def require_tus(upload: Upload) -> None:
    """Raise 409 for an open chunked (gRPC) upload, which has no declared length yet."""
    if upload.status == "uploading" and upload.upload_length is None:
        raise UploadNotTusError(upload_id=upload.id)


# Appending


async def append(
    runtime: Runtime, upload: Upload, request: Request, sent_offset: int, checksum: Checksum | None
) -> Upload:
    """Append the request body at ``sent_offset``; finish the upload after its last byte.

    Returns the upload as stored afterwards. Raises 409 on an offset mismatch,
    460 on a checksum mismatch (the chunk is discarded) and the media error of a
    finished file that is rejected.
    """
    if sent_offset != upload.upload_offset:
        raise TusOffsetMismatchError(sent=sent_offset, offset=upload.upload_offset)
    if upload.status == "ready":
        # A repeated last PATCH (its response was lost): the upload is already done.
        return upload
    assert upload.upload_length is not None
    folder = service.tus_folder(runtime)
    chunk_path = folder / f"{upload.id}.{uuid.uuid4().hex}.chunk"
    try:
        received = await _receive_chunk(request, chunk_path, upload, checksum)
        if received:
            await _commit_chunk(runtime, upload, chunk_path, received)
    finally:
        await asyncio.to_thread(chunk_path.unlink, missing_ok=True)

    if upload.upload_offset == upload.upload_length:
        await finish(runtime, upload)
    return upload


async def _receive_chunk(
    request: Request, chunk_path: Path, upload: Upload, checksum: Checksum | None
) -> int:
    """Write the body to ``chunk_path``; return its length.

    A client that disconnects mid-chunk keeps what arrived, unless it sent a
    checksum, which the partial chunk cannot match.
    """
    assert upload.upload_length is not None
    remaining = upload.upload_length - upload.upload_offset
    hasher = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
    received = 0
    chunk_path.parent.mkdir(parents=True, exist_ok=True)
    with chunk_path.open("xb") as chunk_file:
        try:
            async for data in request.stream():
                received += len(data)
                if received > remaining:
                    raise TusLengthExceededError(length=upload.upload_length, remaining=remaining)
                chunk_file.write(data)
                if hasher is not None:
                    hasher.update(data)
        except ClientDisconnect:
            log.info("tus.client_disconnected", upload_id=upload.id, received=received)
            if checksum is not None:
                return 0
        chunk_file.flush()
        os.fsync(chunk_file.fileno())
    if checksum is not None and hasher is not None and hasher.digest() != checksum.digest:
        log.info("tus.checksum_mismatch", upload_id=upload.id, algorithm=checksum.algorithm)
        raise TusChecksumMismatchError(algorithm=checksum.algorithm, offset=upload.upload_offset)
    return received


async def _commit_chunk(runtime: Runtime, upload: Upload, chunk_path: Path, size: int) -> None:
    old_offset = upload.upload_offset
    new_offset = old_offset + size
    partial = service.tus_folder(runtime) / upload.id
    async with transaction(runtime.sessionmaker) as session:
        won = await repository.advance_offset(session, upload.id, old_offset, new_offset)
        if not won:
            current = await session.get(Upload, upload.id)
            raise TusOffsetMismatchError(
                sent=old_offset, offset=current.upload_offset if current else old_offset
            )
        await asyncio.to_thread(_append_file, partial, old_offset, chunk_path)
    upload.upload_offset = new_offset
    upload.size = new_offset
    log.debug("tus.chunk_committed", upload_id=upload.id, offset=new_offset)


def _append_file(partial: Path, offset: int, chunk_path: Path) -> None:
    """Write the chunk at ``offset``, cutting off bytes a crashed earlier append left behind."""
    with open(os.open(partial, os.O_RDWR | os.O_CREAT, 0o600), "r+b") as target:
        on_disk = os.fstat(target.fileno()).st_size
        if on_disk < offset:
            raise TusIncompleteError(upload_id=partial.name, received=on_disk, length=offset)
        target.truncate(offset)
        target.seek(offset)
        with chunk_path.open("rb") as source:
            shutil.copyfileobj(source, target, COPY_BUFFER)
        target.flush()
        os.fsync(target.fileno())


# Completion


async def finish(runtime: Runtime, upload: Upload, rejected_event: str = "tus.rejected") -> None:
    """Check the complete file and move it to storage, or mark the upload failed.

    Raises the error that rejected the file after recording it on the row and
    logging ``rejected_event``, an event named after the protocol that delivered the file.
    """
    partial = service.tus_folder(runtime) / upload.id
    try:
        size, sha256 = await asyncio.to_thread(_size_and_sha256, partial)
        if size != upload.upload_length:
            raise TusIncompleteError(
                upload_id=upload.id, received=size, length=upload.upload_length
            )
        facts = await service.check_file(runtime, partial, upload.kind, upload.filename)
    except BadInputError as exc:
        await _mark_failed(runtime, upload, exc)
        log.info(rejected_event, upload_id=upload.id, code=exc.code)
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        raise

    key = upload_key(upload.user_id, upload.id, facts.extension)
    await asyncio.to_thread(runtime.storage.put_file, key, partial, facts.content_type)
    values: dict[str, Any] = {
        "status": "ready",
        "storage_key": key,
        "content_type": facts.content_type,
        "media": facts.media,
        "sha256": sha256,
        "size": size,
        "expires_at": None,
        "error": None,
    }
    async with transaction(runtime.sessionmaker) as session:
        finished = await repository.finish_upload(session, upload.id, values)
    if not finished:
        # The upload was terminated while its file was checked; drop the copy.
        await asyncio.to_thread(runtime.storage.delete, key)
        raise UploadNotFoundError(upload_id=upload.id)
    await asyncio.to_thread(partial.unlink, missing_ok=True)
    for name, value in values.items():
        setattr(upload, name, value)
    log.info("tus.finished", upload_id=upload.id, user_id=upload.user_id, size=size)


async def _mark_failed(runtime: Runtime, upload: Upload, error: VidswapError) -> None:
    stored = error_record(error)
    async with transaction(runtime.sessionmaker) as session:
        await repository.finish_upload(session, upload.id, {"status": "failed", "error": stored})
    upload.status = "failed"
    upload.error = stored


def error_record(error: VidswapError) -> dict[str, Any]:
    return {
        "code": error.code,
        "status": error.status_code,
        "messages": {locale: error.message(locale) for locale in SUPPORTED_LOCALES},
    }


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while block := source.read(COPY_BUFFER):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


# Termination


async def terminate(runtime: Runtime, user_id: str, upload_id: str) -> None:
    await service.delete_upload(runtime, user_id, upload_id)
