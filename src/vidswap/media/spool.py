"""Temporary files that receive an upload chunk by chunk, with its SHA-256 and a size limit."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from vidswap.media.errors import UploadTooLargeError

MiB = 1024 * 1024


class SpoolFile:
    """A temporary file under ``folder`` that counts and hashes what is written to it.

    Writing past ``limit`` bytes raises ``UploadTooLargeError`` at once, so a client
    that sends too much is stopped before the rest of its body is read. The file is
    deleted on ``discard`` and when the ``with`` block raises; a caller that keeps it
    takes ``path`` and must delete it itself.
    """

    def __init__(self, folder: Path, kind: str, limit: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{uuid.uuid4().hex}.part"
        self.kind = kind
        self.limit = limit
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._file: BinaryIO | None = self.path.open("xb")

    def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.limit:
            raise too_large(self.kind, self.limit)
        assert self._file is not None, "write after close"
        self._file.write(chunk)
        self._sha256.update(chunk)
        self.size += len(chunk)

    def close(self) -> None:
        # No fsync: the spool is only read back by this process and then copied into
        # storage, which makes the stored object durable.
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def __enter__(self) -> SpoolFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.discard()
        else:
            self.close()


def too_large(kind: str, limit: int) -> UploadTooLargeError:
    return UploadTooLargeError(kind=kind, limit=limit, limit_mib=round(limit / MiB, 1))
