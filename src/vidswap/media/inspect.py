"""Check an uploaded file by its content: type, probe facts, video length and faces in photos.

Every check reuses the swap engine's readers, so a file that passes here is one
the worker can open. Engine errors name the file by its path. Here they are
raised again with the client's file name, because the temporary path means
nothing to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import Settings
from vidswap.media.errors import ImageSentAsVideoError, VideoSentAsImageError, VideoTooLongError
from vidswap.media.faces import count_faces
from vidswap.swap.errors import UnsupportedImageError, UnsupportedMediaError
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.sniff import MediaKind, detect_media_kind
from vidswap.swap.media.video import VideoInfo, probe_video

# Pillow format name -> stored extension and content type.
IMAGE_TYPES = {
    "JPEG": (".jpg", "image/jpeg"),
    "MPO": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
    "BMP": (".bmp", "image/bmp"),
    "TIFF": (".tif", "image/tiff"),
    "HEIF": (".heic", "image/heic"),
    "GIF": (".gif", "image/gif"),
}
DEFAULT_IMAGE_TYPE = (".img", "application/octet-stream")
WEBM_CODECS = {"vp8", "vp9", "av1"}


@dataclass(frozen=True)
class MediaFacts:
    """Facts about an upload's content: its kind, stored extension, content type and probe values."""

    kind: str
    extension: str
    content_type: str
    media: dict[str, Any]


def inspect_upload(path: Path, kind: str, filename: str, settings: Settings) -> MediaFacts:
    """Return the facts of the file at ``path``, declared as ``kind`` by the client.

    Blocking (decoding, face detection): call it from a worker thread. Raises a
    ``BadInputError`` subclass that names ``filename`` for every unusable file.
    """
    try:
        detected = detect_kind(path, kind)
        if detected is MediaKind.IMAGE:
            if kind != "image":
                raise ImageSentAsVideoError(filename=filename)
            return inspect_image(path)
        if kind != "video":
            raise VideoSentAsImageError(filename=filename)
        return inspect_video(path, filename, settings)
    except BadInputError as exc:
        replacement = renamed(exc, path, filename)
        if replacement is exc:
            raise
        raise replacement from exc


def detect_kind(path: Path, kind: str) -> MediaKind:
    """Return the file's media kind. An unsupported file sent as an image gets a photo-only message."""
    try:
        return detect_media_kind(path)
    except UnsupportedMediaError as exc:
        if kind == "image":
            raise UnsupportedImageError(path=str(path)) from exc
        raise


def inspect_image(path: Path) -> MediaFacts:
    """Return the facts of a photo, with the number of faces found in ``media["faces"]``.

    A photo without a face is accepted, because the upload does not say whether it
    is the face photo or the target. POST /tasks checks the count once the role is known.
    """
    picture = read_picture(path)
    faces = count_faces(picture.bgr)
    height, width = picture.bgr.shape[:2]
    extension, content_type = IMAGE_TYPES.get(picture.format, DEFAULT_IMAGE_TYPE)
    media = {"width": width, "height": height, "format": picture.format.lower(), "faces": faces}
    return MediaFacts("image", extension, content_type, media)


def inspect_video(path: Path, filename: str, settings: Settings) -> MediaFacts:
    info = probe_video(path)
    if info.duration > settings.max_video_seconds:
        raise VideoTooLongError(
            filename=filename, seconds=info.duration, limit=settings.max_video_seconds
        )
    extension, content_type = video_type(info)
    media = {
        "duration": round(info.duration, 3),
        "width": info.width,
        "height": info.height,
        "fps": round(info.average_fps, 3),
        "video_codec": info.codec,
        "audio_codec": info.audio_codec,
        "rotation": info.rotation,
        "has_audio": info.has_audio,
        "frame_count": info.frame_count,
        "container": info.container,
    }
    return MediaFacts("video", extension, content_type, media)


def video_type(info: VideoInfo) -> tuple[str, str]:
    """Return the extension and content type for the container FFmpeg recognised."""
    container = info.container
    if container.startswith("mov,mp4"):
        return ".mp4", "video/mp4"
    if container.startswith("matroska"):
        if info.codec in WEBM_CODECS:
            return ".webm", "video/webm"
        return ".mkv", "video/x-matroska"
    if container == "avi":
        return ".avi", "video/x-msvideo"
    if container == "gif":
        return ".gif", "image/gif"
    if container == "webp":  # animated WebP, read with Pillow
        return ".webp", "image/webp"
    if container == "apng":
        return ".png", "image/apng"
    return ".video", "application/octet-stream"


def renamed(error: BadInputError, path: Path, filename: str) -> BadInputError:
    """Return ``error`` with every mention of ``path`` replaced by the client's ``filename``."""
    params = {
        name: (filename if value == str(path) else value) for name, value in error.params.items()
    }
    if params == error.params:
        return error
    return type(error)(**params)
