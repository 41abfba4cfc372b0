"""Storage in a local directory, for the embedded set-up."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from vidswap.media.storage.base import StorageError, StoredObject, validate_key

CHUNK_SIZE = 256 * 1024


def _link_or_copy(source: Path, target: Path) -> None:
    """Make ``target`` a hard link to ``source`` on the same file system, else a synced copy.

    Callers treat ``source`` as read-only and delete it afterwards, so sharing the
    inode is safe and saves copying every upload and result once more.
    """
    target.unlink()
    try:
        os.link(source, target)
        return
    except OSError:
        pass
    with source.open("rb") as reader, target.open("xb") as writer:
        shutil.copyfileobj(reader, writer, CHUNK_SIZE * 4)
        writer.flush()
        os.fsync(writer.fileno())


class LocalStorage:
    """Objects are files under ``root``; writes go to a temporary file first and are
    renamed into place, so a reader never sees half an object."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        os.close(handle)
        try:
            _link_or_copy(path, Path(tmp_name))
            os.replace(tmp_name, target)
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise StorageError(detail=f"writing {key} failed: {exc.strerror}") from exc
        return StoredObject(key=key, size=target.stat().st_size)

    def get_file(self, key: str, path: Path) -> None:
        shutil.copyfile(self.path_of(key), path)

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        with self.path_of(key).open("rb") as source:
            source.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = source.read(size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def size(self, key: str) -> int:
        return self.path_of(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self.path_of(prefix.rstrip("/"))
        if not folder.is_dir():
            return 0
        count = sum(1 for item in folder.rglob("*") if item.is_file())
        shutil.rmtree(folder, ignore_errors=True)
        return count

    def presigned_url(self, key: str, expires_seconds: int, filename: str | None) -> str | None:
        return None

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageError(detail=f"{self.root} is not writable")
