"""Write an output file under a temporary name and move it into place on success."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

from vidswap.swap.errors import (
    OutputFolderMissingError,
    OutputFolderNotWritableError,
    OutputIsFolderError,
    OutputNotWritableError,
)

log = structlog.get_logger(__name__)


def check_output_path(path: Path) -> None:
    """Raise OutputNotWritableError unless ``path`` can be created or replaced."""
    parent = path.parent
    if path.is_dir():
        raise OutputIsFolderError(path=str(path))
    if not parent.is_dir():
        raise OutputFolderMissingError(path=str(path), folder=str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderNotWritableError(path=str(path), folder=str(parent))


def make_temp_path(path: Path, *, tag: str = "") -> Path:
    """Create an empty file next to ``path`` with the same extension and return its path."""
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.stem}.{tag}", suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise OutputNotWritableError(path=str(path), reason=exc.strerror or str(exc)) from exc
    os.close(fd)

    # mkstemp creates the file as 0600; give the output the mode a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it exists; a failure is logged, not raised."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("media.temp_remove_failed", path=str(path), error=str(exc))


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it to ``path`` when the body succeeds.

    The temporary file is deleted when the body raises any exception, including
    KeyboardInterrupt, so a failed write leaves neither a partial output nor a
    temporary file behind. An existing file at ``path`` is only replaced on success.
    """
    path = Path(path)
    check_output_path(path)
    temp = make_temp_path(path)
    try:
        yield temp
    except BaseException:
        remove_quietly(temp)
        raise

    if not temp.exists() or temp.stat().st_size == 0:
        remove_quietly(temp)
        raise OutputNotWritableError(path=str(path), reason="nothing was written to it")
    try:
        os.replace(temp, path)
    except OSError as exc:
        remove_quietly(temp)
        raise OutputNotWritableError(path=str(path), reason=exc.strerror or str(exc)) from exc
