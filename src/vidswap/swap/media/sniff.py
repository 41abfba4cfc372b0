"""Tell images from videos by their content, not their file extension."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import av.error
import structlog
from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from vidswap.swap.errors import CorruptMediaError, MediaUnreadableError, UnsupportedMediaError
from vidswap.swap.media.container import (
    check_input_file,
    check_not_truncated,
    find_video_stream,
    open_input,
)
from vidswap.swap.media.images import ANIMATED_FORMATS

log = structlog.get_logger(__name__)

register_heif_opener()

HEADER_SIZE = 32

# ISO BMFF brands (bytes 8-11 of an "ftyp" box) that mark a HEIF/AVIF still image.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


def detect_media_kind(path: Path) -> MediaKind:
    """Return whether ``path`` contains an image or a video, judged from its bytes.

    An animated GIF, PNG (APNG) or WebP is a video; a one-frame one is an image. Raises
    MediaNotFoundError, MediaUnreadableError, EmptyMediaError, NoVideoStreamError,
    UnsupportedMediaError or CorruptMediaError, each naming ``path``.
    """
    path = Path(path)
    file_size = check_input_file(path)
    header = read_header(path)

    kind = guess_kind_from_magic(header)
    if kind is MediaKind.IMAGE:
        return check_image(path)
    return check_video(path, file_size, expect_video=kind is MediaKind.VIDEO)


def read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(HEADER_SIZE)
    except OSError as exc:
        raise MediaUnreadableError(path=str(path), reason=exc.strerror or str(exc)) from exc


def guess_kind_from_magic(header: bytes) -> MediaKind | None:
    """Return the kind that the file signature names, or None when it names neither."""
    if header.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"GIF87a", b"GIF89a")):
        return MediaKind.IMAGE
    if header.startswith((b"II*\x00", b"MM\x00*")):
        return MediaKind.IMAGE
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return MediaKind.IMAGE
    if header[4:8] == b"ftyp" and header[8:12] in HEIF_BRANDS:
        return MediaKind.IMAGE

    if header[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return MediaKind.VIDEO
    if header.startswith(b"\x1a\x45\xdf\xa3"):
        return MediaKind.VIDEO
    if header[:4] == b"RIFF" and header[8:12] == b"AVI ":
        return MediaKind.VIDEO
    return None


def check_image(path: Path) -> MediaKind:
    """Decode the first frame to prove the image is intact; an animated GIF, PNG or WebP
    is a video."""
    try:
        with Image.open(path) as image:
            image_format = image.format
            animated = image_format in ANIMATED_FORMATS and getattr(image, "is_animated", False)
            image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMediaError(
            path=str(path), detail=f"the image cannot be decoded: {exc}"
        ) from exc

    if not animated:
        return MediaKind.IMAGE
    if image_format == "WEBP":
        # FFmpeg cannot decode animated WebP; AnimatedImageReader reads it with Pillow.
        return MediaKind.VIDEO
    return check_video(path, path.stat().st_size, expect_video=True)


def check_video(path: Path, file_size: int, *, expect_video: bool) -> MediaKind:
    """Open the file with PyAV and decode its first video frame.

    When the signature did not name a video container, a file that FFmpeg cannot
    parse gets one more try as an image (for formats like PPM or ICO).
    """
    try:
        container = open_input(path)
    except UnsupportedMediaError as exc:
        if expect_video:
            raise CorruptMediaError(path=str(path), detail=str(exc.__cause__)) from exc
        return check_image_fallback(path, exc)

    with container:
        stream = find_video_stream(container, path)
        check_not_truncated(stream, path, file_size)
        try:
            decode_first_frame(container, stream, path)
        except CorruptMediaError as exc:
            if expect_video:
                raise
            # FFmpeg picks a demuxer by the file name when no signature matches, so a
            # text file named .jpg opens as JPEG and fails here: that is not media at all.
            raise UnsupportedMediaError(path=str(path)) from exc
    return MediaKind.VIDEO


def check_image_fallback(path: Path, error: UnsupportedMediaError) -> MediaKind:
    try:
        with Image.open(path) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise error from error.__cause__
    return MediaKind.IMAGE


def decode_first_frame(container: av.container.InputContainer, stream: object, path: Path) -> None:
    try:
        for _frame in container.decode(stream):
            return
    except (av.error.FFmpegError, ValueError) as exc:
        raise CorruptMediaError(
            path=str(path), detail=f"the first frame cannot be decoded: {exc}"
        ) from exc
    raise CorruptMediaError(path=str(path), detail="the video stream contains no frames")
