"""Picking files on every platform with Flet's FilePicker, as upload sources.

Native apps get a path and read the file from disk. In a browser the picker gives no
path, so the file is first sent to the Flet server's upload storage (``upload_dir`` of
the web app, in ``FLET_UPLOAD_DIR``) and read from there. Without upload storage the
browser hands the file's bytes over the page's connection, which suits photos only.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Literal

import flet as ft
import structlog

from vidswap_app.uploads import BytesSource, FileSource, UploadSource

log = structlog.get_logger(__name__)

PickKind = Literal["image", "media"]
UPLOAD_LINK_SECONDS = 600
UPLOAD_DIR_VARIABLE = "FLET_UPLOAD_DIR"
IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "heic", "heif"]
VIDEO_EXTENSIONS = ["mp4", "mov", "m4v", "webm", "mkv"]


class FilePicking:
    """One FilePicker registered with the page, and the uploads it is waiting for."""

    def __init__(self, page: ft.Page) -> None:
        self.page = page
        self.picker = ft.FilePicker(on_upload=self._on_upload)
        self._waiting: dict[str, asyncio.Future[str | None]] = {}

    async def pick(self, kind: PickKind) -> UploadSource | None:
        """Let the user pick one file and return it as an upload source, or None if cancelled."""
        extensions = IMAGE_EXTENSIONS if kind == "image" else IMAGE_EXTENSIONS + VIDEO_EXTENSIONS
        upload_dir = os.environ.get(UPLOAD_DIR_VARIABLE)
        with_data = self.page.web and not upload_dir
        files = await self.picker.pick_files(
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=extensions,
            with_data=with_data,
            cancel_upload_on_window_blur=False,
        )
        if not files:
            return None
        picked = files[0]
        if picked.path:
            return FileSource(Path(picked.path), filename=picked.name)
        if picked.bytes is not None:
            return BytesSource(picked.name, picked.bytes)
        if upload_dir:
            return await self._through_upload_storage(picked, Path(upload_dir))
        return None

    async def _through_upload_storage(
        self, picked: ft.FilePickerFile, upload_dir: Path
    ) -> UploadSource | None:
        stored_name = f"{uuid.uuid4().hex}{Path(picked.name).suffix.lower()}"
        url = self.page.get_upload_url(stored_name, UPLOAD_LINK_SECONDS)
        done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._waiting[picked.name] = done
        await self.picker.upload([ft.FilePickerUploadFile(upload_url=url, id=picked.id)])
        error = await done
        if error:
            log.warning("files.upload_failed", name=picked.name, error=error)
            return None
        return FileSource(upload_dir / stored_name, filename=picked.name)

    def _on_upload(self, event: ft.FilePickerUploadEvent) -> None:
        waiter = self._waiting.get(event.file_name)
        if waiter is None or waiter.done():
            return
        if event.error:
            waiter.set_result(event.error)
        elif event.progress is not None and event.progress >= 1.0:
            waiter.set_result(None)
        else:
            return
        self._waiting.pop(event.file_name, None)


async def save_file(picking: FilePicking, file_name: str, data: bytes) -> str | None:
    """Offer ``data`` for saving under ``file_name`` and return the chosen path, if any.

    Flet 1.0's ``save_file`` writes ``src_bytes`` itself on desktop, and on the web and
    phones hands them to the browser's download or the system's save sheet.
    """
    return await picking.picker.save_file(file_name=file_name, src_bytes=data)
