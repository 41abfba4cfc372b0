"""Request and response bodies of the upload endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vidswap.media.keys import upload_file_url
from vidswap.media.models import Upload

IMAGE_EXAMPLE = {"width": 512, "height": 600, "format": "jpeg", "faces": 1}
VIDEO_EXAMPLE: dict[str, Any] = {
    "duration": 3.88,
    "width": 1280,
    "height": 720,
    "fps": 29.97,
    "video_codec": "h264",
    "audio_codec": "aac",
    "rotation": 0,
    "has_audio": True,
    "frame_count": 116,
    "container": "mov,mp4,m4a,3gp,3g2,mj2",
}


class UploadError(BaseModel):
    error: str
    message: str


class UploadOut(BaseModel):
    """An upload; ``file_url`` is what task requests take as ``image_url`` or ``video_url``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "upload_id": "5f0c6a1e9b8d4c2aa1e3f07b6d9c8e21",
                    "file_url": "/api/v1/uploads/5f0c6a1e9b8d4c2aa1e3f07b6d9c8e21/file",
                    "kind": "video",
                    "status": "ready",
                    "filename": "holiday.mp4",
                    "content_type": "video/mp4",
                    "size": 692850,
                    "sha256": "9b1f0c…",
                    "media": VIDEO_EXAMPLE,
                    "error": None,
                    "created_at": "2026-12-04T22:30:00Z",
                    "expires_at": None,
                }
            ]
        }
    )

    upload_id: str
    file_url: str
    kind: Literal["image", "video"]
    status: Literal["uploading", "ready", "failed"]
    filename: str
    content_type: str
    size: int = Field(description="Bytes stored (for an unfinished resumable upload: received).")
    sha256: str | None
    media: dict[str, Any] | None = Field(
        description="Probe facts: for a video duration (s), width, height (as displayed), fps, "
        "codecs, rotation, has_audio; for an image width, height, format and faces found.",
        examples=[IMAGE_EXAMPLE, VIDEO_EXAMPLE],
    )
    error: UploadError | None = Field(
        default=None, description="Why a resumable upload failed, in the caller's language."
    )
    created_at: datetime
    expires_at: datetime | None = Field(
        description="When an unfinished resumable upload is deleted; null once ready."
    )

    @classmethod
    def of(cls, upload: Upload, locale: str) -> UploadOut:
        return cls(
            upload_id=upload.id,
            file_url=upload_file_url(upload.id),
            kind=upload.kind,  # type: ignore[arg-type]
            status=upload.status,  # type: ignore[arg-type]
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            media=upload.media,
            error=stored_error(upload, locale),
            created_at=upload.created_at,
            expires_at=upload.expires_at if upload.status != "ready" else None,
        )


def stored_error(upload: Upload, locale: str) -> UploadError | None:
    if not upload.error:
        return None
    messages = upload.error.get("messages", {})
    message = messages.get(locale) or messages.get("en", "")
    return UploadError(error=upload.error.get("code", "upload.failed"), message=message)


class Base64UploadIn(BaseModel):
    """A small photo sent inline as base64, for clients that cannot send multipart."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "image", "data": "/9j/4AAQSkZJRgABAQ…", "filename": "me.jpg"}]
        }
    )

    kind: Literal["image"] = Field(description="Only photos can be sent as base64.")
    data: str = Field(
        description="The file's bytes, base64 (standard or URL-safe alphabet); "
        "a data: URL prefix is accepted."
    )
    filename: str | None = Field(default=None, max_length=1024)
