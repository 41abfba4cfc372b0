"""Files a task attempt works on: inputs fetched from storage, the result's thumbnail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import av
from PIL import Image

from vidswap.media.models import Upload
from vidswap.media.storage import Storage
from vidswap.swap.media.sniff import MediaKind, detect_media_kind

THUMBNAIL_SIDE = 480


@dataclass(frozen=True)
class FetchedInput:
    """An upload copied into the task's folder, with the name users know it by."""

    path: Path
    display_name: str
    # The upload's original file name; None when the client sent none.
    filename: str | None = None


def fetch_upload(storage: Storage, upload: Upload, folder: Path, stem: str) -> FetchedInput:
    """Copy ``upload`` from storage to ``folder/<stem><extension>``."""
    assert upload.storage_key is not None
    extension = PurePosixPath(upload.storage_key).suffix.lower()
    path = folder / f"{stem}{extension}"
    storage.get_file(upload.storage_key, path)
    return FetchedInput(
        path=path, display_name=upload.filename or upload.id, filename=upload.filename or None
    )


def output_extension(target: Path) -> str:
    """``.mp4`` for a video target; ``.png`` keeps a PNG photo lossless, other photos get ``.jpg``."""
    if detect_media_kind(target) is MediaKind.VIDEO:
        return ".mp4"
    return ".png" if target.suffix.lower() == ".png" else ".jpg"


def write_thumbnail(result: Path, thumbnail: Path) -> None:
    """Write a JPEG of at most ``THUMBNAIL_SIDE`` pixels a side from the middle of
    a result video, or from a result photo."""
    if result.suffix == ".mp4":
        image = _middle_frame(result)
    else:
        with Image.open(result) as opened:
            image = opened.convert("RGB")
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    image.save(thumbnail, format="JPEG", quality=85)


def _middle_frame(video: Path) -> Image.Image:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        if stream.duration and stream.time_base:
            # Seek lands on the keyframe before the middle; good enough for a preview.
            container.seek(stream.duration // 2, stream=stream)
        for frame in container.decode(stream):
            return frame.to_image()
    raise ValueError(f"{video} has no video frames")
