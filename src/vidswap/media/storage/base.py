"""The ``Storage`` interface every backend implements.

Keys are relative, slash-separated paths such as ``uploads/<user>/<upload>.mp4``;
callers build them, backends reject any key that could leave the store.
Blocking backends (files, boto3) are called from a worker thread by async code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from vidswap.kit.errors import ServiceUnavailableError

_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class StorageError(ServiceUnavailableError):
    """The storage backend failed; the backend's exception is chained as the cause."""

    code = "storage_unavailable"
    messages = {
        "en": "File storage is unavailable ({detail}). Try again later.",
        "zh-CN": "文件存储暂时不可用（{detail}），请稍后重试。",
    }


def validate_key(key: str) -> str:
    """Return ``key`` when every part is a plain file name; raise ``ValueError`` otherwise."""
    parts = key.split("/")
    if not parts or any(not _KEY_PART.match(part) or part in {".", ".."} for part in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


class Storage(Protocol):
    """Blocking object store. Methods raise ``StorageError`` when the backend fails and
    ``FileNotFoundError`` for a key that does not exist."""

    name: str

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Store the file at ``path`` under ``key``, replacing any object there."""
        ...

    def get_file(self, key: str, path: Path) -> None:
        """Write the object ``key`` to ``path``."""
        ...

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        """Yield the bytes ``start``..``end`` (inclusive; ``None`` means to the end)."""
        ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Delete ``key``; deleting a missing key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; return how many were deleted."""
        ...

    def presigned_url(self, key: str, expires_seconds: int, filename: str | None) -> str | None:
        """Return a direct download URL, or ``None`` when the backend has none (local files)."""
        ...

    def check(self) -> None:
        """Raise ``StorageError`` unless the backend can be reached (readiness probe)."""
        ...


def copy_stream(source: BinaryIO, target: BinaryIO, chunk_size: int = 1024 * 1024) -> int:
    """Copy ``source`` to ``target`` in chunks; return the number of bytes copied."""
    total = 0
    while chunk := source.read(chunk_size):
        target.write(chunk)
        total += len(chunk)
    return total
