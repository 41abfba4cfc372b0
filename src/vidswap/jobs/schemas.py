"""Request and response bodies of the task endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from vidswap.jobs.uploads import FILE_URL_PATTERN

TaskStatusName = Literal["pending", "processing", "completed", "failed", "cancelled"]

_UPLOAD_IMAGE_URL = "/api/v1/uploads/3f2c9a7e4b1d4e6f8a0b1c2d3e4f5a6b/file"
_UPLOAD_VIDEO_URL = "/api/v1/uploads/9b8a7c6d5e4f40312a1b0c9d8e7f6a5b/file"
# A file_url path is about 50 characters, so this leaves room for any scheme and host name.
MAX_URL_LENGTH = 2048


def _task_create_schema(schema: dict[str, Any]) -> None:
    # The service checks consent, so a missing or false one gets 400 consent_required
    # with the statement to confirm. The schema states the same contract.
    schema["required"] = [*schema.get("required", []), "consent"]
    schema["properties"]["consent"].pop("default", None)
    schema["examples"] = [
        {
            "image_url": _UPLOAD_IMAGE_URL,
            "video_url": _UPLOAD_VIDEO_URL,
            "options": {"faces": "largest", "quality": 18, "label": True},
            "consent": True,
        }
    ]


class TaskCreate(BaseModel):
    """A swap request. The service checks ``options`` field by field, so a bad value
    gets an error that names it, and it rejects unknown option names too."""

    model_config = ConfigDict(json_schema_extra=_task_create_schema)

    # The service checks this pattern, not pydantic, so a mismatch gets 400 invalid_media_url.
    image_url: str = Field(
        max_length=MAX_URL_LENGTH,
        description="file_url of an image upload: the face to put in.",
        json_schema_extra={"pattern": FILE_URL_PATTERN},
    )
    video_url: str = Field(
        max_length=MAX_URL_LENGTH,
        description="file_url of a video or image upload: the target that gets the face.",
        json_schema_extra={"pattern": FILE_URL_PATTERN},
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="faces: largest | all | reference; reference_url: file_url of a photo of "
        "the person to replace (faces=reference only); quality: x264 CRF 0-51, default 18; "
        "label: draw the visible AI-generated mark, default true.",
    )
    consent: Any = Field(
        default=None,
        description="Must be true: the caller confirms the consent statement for the faces used.",
        json_schema_extra={"const": True},
    )


class TaskCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"task_id": "5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f", "status": "pending", "progress": 0}
            ]
        }
    )

    task_id: str
    status: TaskStatusName
    progress: int


_LINK_QUERY = (
    "?user=5f0c1e2d3b4a49c8a7e6d5c4b3a29180&expires=1767600900"
    "&signature=Q2mX0v7zKcN1bYp4rT8wLdE6hJ3sUa9fGk5oVi2nMqA"
)
_TASK_EXAMPLE: dict[str, JsonValue] = {
    "task_id": "5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f",
    "status": "completed",
    "progress": 100,
    "eta_seconds": 0,
    "result_url": "/api/v1/tasks/5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f/result" + _LINK_QUERY,
    "result_kind": "video",
    "thumbnail_url": "/api/v1/tasks/5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f/thumbnail" + _LINK_QUERY,
    "target_url": "/api/v1/tasks/5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f/target" + _LINK_QUERY,
    "target_preview_url": "/api/v1/tasks/5d0c8e2a9f7b4c1d8e3f6a7b9c0d1e2f/target-preview"
    + _LINK_QUERY,
    "error_code": None,
    "error_message": None,
    "notices": [
        {
            "code": "face_several_in_source",
            "message": "me-and-friends.jpg shows 2 faces; using the largest one (212 px wide, "
            "centred at x=340, y=260). Crop the photo to one face to choose another.",
        }
    ],
    "duration_seconds": 3.9,
    "processing_seconds": 37.5,
    "energy_cost": 4,
    "result_expires_at": "2026-01-12T08:00:41Z",
    "created_at": "2026-01-05T08:00:00Z",
    "updated_at": "2026-01-05T08:00:41Z",
}


class TaskNotice(BaseModel):
    """A warning about a completed swap that did not stop it, such as a target with
    no face or a face photo with several faces."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "face_none_in_target",
                    "message": "No face was found in beach.mp4; the output is the input "
                    "with the AI label only.",
                }
            ]
        }
    )

    code: str = Field(description="Stable identifier of the notice, for clients to match on.")
    message: str = Field(description="The notice in the caller's language (Accept-Language).")


class TaskOut(BaseModel):
    """A task as its owner sees it. ``error_message`` is in the caller's language."""

    model_config = ConfigDict(json_schema_extra={"examples": [_TASK_EXAMPLE]})

    task_id: str
    status: TaskStatusName
    progress: int
    eta_seconds: float | None
    result_url: str | None = Field(
        description="Signed link to the result: it works without the Bearer header until "
        "its `expires` time (Unix seconds), and the path alone works with the header. "
        "Range requests are supported. Null until the task completes."
    )
    result_kind: Literal["video", "image"] | None = Field(
        default=None, description="Whether the result is a video or a photo; null without one."
    )
    thumbnail_url: str | None = Field(
        description="Signed link to the result's JPEG thumbnail, like result_url."
    )
    target_url: str | None = Field(
        default=None,
        description="Signed link to the original target video or photo, for a before and "
        "after view. It answers 404 target_not_found once that upload is gone.",
    )
    target_preview_url: str | None = Field(
        default=None,
        description="Signed link to an H.264 MP4 copy of the original target video, like "
        "result_url, for clients to show in place of target_url. Set when browsers cannot "
        "play the original (for example HEVC, MOV, Matroska, AVI or GIF) and the task "
        "completed; null otherwise, and null when the copy could not be made.",
    )
    error_code: str | None
    error_message: str | None
    notices: list[TaskNotice] = Field(
        default_factory=list,
        description="Warnings about the finished swap, in the caller's language; empty "
        "when there are none and before the task completes.",
    )
    duration_seconds: float | None = Field(description="Length of the target video in seconds.")
    processing_seconds: float | None = Field(
        description="Seconds the worker spent on the finished swap; null until it completes."
    )
    energy_cost: int
    result_expires_at: datetime | None = Field(
        default=None,
        description="When the result is deleted, by the retention days of the owner's plan.",
    )
    created_at: datetime
    updated_at: datetime


class TaskPage(BaseModel):
    """One page of tasks, newest first. Pass ``next_cursor`` as ``cursor`` for the next
    page; it is null on the last page. ``page`` is set when page numbers were used."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [_TASK_EXAMPLE],
                    "next_cursor": "MjAyNi0wMS0wNVQwODowMDowMCswMDowMHw1ZDBjOGUyYTlmN2I0YzFk"
                    "OGUzZjZhN2I5YzBkMWUyZg",
                    "page": None,
                    "page_size": 20,
                }
            ]
        }
    )

    items: list[TaskOut]
    next_cursor: str | None
    page: int | None = None
    page_size: int
