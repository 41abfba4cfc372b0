"""Upload sources and tus 1.0 resumable uploads (creation, checksum) to ``/uploads/tus``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import structlog

from vidswap_app.errors import Offline
from vidswap_app.i18n import translate
from vidswap_app.models import Upload

if TYPE_CHECKING:
    from vidswap_app.api import ApiClient

log = structlog.get_logger(__name__)

# Files up to this size go in one multipart request. Larger ones use tus, which resumes.
MULTIPART_MAX_BYTES = 8 * 1024 * 1024
TUS_CHUNK_BYTES = 2 * 1024 * 1024
# A chunk that fails on the network is retried this many times, re-reading the offset
# from the server before each retry, with a pause that doubles from TUS_RETRY_SECONDS.
TUS_RETRIES = 3
TUS_RETRY_SECONDS = 1.0
TUS_VERSION = {"Tus-Resumable": "1.0.0"}

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent, total bytes) after each step of an upload."""


class UploadSource(Protocol):
    filename: str
    content_type: str

    @property
    def size(self) -> int: ...

    def read(self, offset: int, length: int) -> bytes: ...


@dataclass
class BytesSource:
    """A file already in memory (the web's file picker hands over bytes, not a path)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]


@dataclass
class FileSource:
    """A file on disk, read one chunk at a time so large videos never sit in memory."""

    path: Path
    filename: str = ""
    content_type: str = ""

    def __post_init__(self) -> None:
        self.filename = self.filename or self.path.name
        guessed = mimetypes.guess_type(self.path.name)[0]
        self.content_type = self.content_type or guessed or "application/octet-stream"

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def read(self, offset: int, length: int) -> bytes:
        with self.path.open("rb") as file:
            file.seek(offset)
            return file.read(length)


class UploadInterrupted(Offline):
    """A tus upload failed on the network after its retries. ``location`` resumes it."""

    code = "upload_interrupted"

    def __init__(self, message: str, *, url: str, location: str, offset: int) -> None:
        super().__init__(message, url=url)
        self.location = location
        self.offset = offset


def encode_metadata(values: dict[str, str]) -> str:
    """Encode tus ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


class TusUpload:
    """One resumable upload. ``location`` is set once the server has created it. Keep it to
    resume after the app restarts (``ApiClient.tus(source, kind, location)``)."""

    def __init__(
        self,
        api: ApiClient,
        source: UploadSource,
        kind: str,
        location: str | None = None,
        chunk_bytes: int = TUS_CHUNK_BYTES,
    ) -> None:
        self.api = api
        self.source = source
        self.kind = kind
        self.location = location
        self.offset = 0
        self.chunk_bytes = chunk_bytes

    async def create(self) -> str:
        """Create the upload on the server and return its URL."""
        headers = {
            **TUS_VERSION,
            "Upload-Length": str(self.source.size),
            "Upload-Metadata": encode_metadata(
                {"kind": self.kind, "filename": self.source.filename}
            ),
        }
        response = await self.api.send("POST", "/uploads/tus", headers=headers)
        self.location = self.api.url(response.headers["Location"])
        log.info("upload.tus_created", location=self.location, size=self.source.size)
        return self.location

    async def read_offset(self) -> int:
        assert self.location is not None
        response = await self.api.send("HEAD", self.location, headers=TUS_VERSION)
        self.offset = int(response.headers["Upload-Offset"])
        return self.offset

    async def send(
        self, progress: ProgressCallback | None = None, *, max_chunks: int | None = None
    ) -> Upload:
        """Send the rest of the file and return the finished upload.

        With ``max_chunks``, it stops after that many chunks and raises
        ``UploadInterrupted``, which lets a caller pause an upload.
        """
        if self.location is None:
            await self.create()
        else:
            await self.read_offset()
        total = self.source.size
        if progress:
            progress(self.offset, total)
        sent_chunks = 0
        while self.offset < total:
            if max_chunks is not None and sent_chunks >= max_chunks:
                raise self._interrupted()
            await self._send_chunk_with_retries()
            sent_chunks += 1
            if progress:
                progress(self.offset, total)
        assert self.location is not None
        upload_id = self.location.rstrip("/").rsplit("/", 1)[-1]
        return await self.api.get_upload(upload_id)

    async def _send_chunk_with_retries(self) -> None:
        pause = TUS_RETRY_SECONDS
        for attempt in range(TUS_RETRIES + 1):
            try:
                await self._send_chunk()
                return
            except Offline as exc:
                if attempt == TUS_RETRIES:
                    raise self._interrupted() from exc
                log.info("upload.tus_retry", location=self.location, attempt=attempt + 1)
                await asyncio.sleep(pause)
                pause *= 2
                try:
                    await self.read_offset()
                except Offline:
                    continue

    async def _send_chunk(self) -> None:
        assert self.location is not None
        chunk = self.source.read(self.offset, self.chunk_bytes)
        digest = base64.b64encode(hashlib.sha1(chunk).digest()).decode()
        headers = {
            **TUS_VERSION,
            "Upload-Offset": str(self.offset),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": f"sha1 {digest}",
        }
        response = await self.api.send("PATCH", self.location, headers=headers, content=chunk)
        self.offset = int(response.headers["Upload-Offset"])

    def _interrupted(self) -> UploadInterrupted:
        total = max(1, self.source.size)
        message = translate(
            self.api.locale,
            "error.upload_interrupted",
            name=self.source.filename,
            percent=self.offset * 100 // total,
        )
        return UploadInterrupted(
            message, url=self.location or "", location=self.location or "", offset=self.offset
        )
