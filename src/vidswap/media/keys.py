"""Storage key layout. Everything a user owns lives under ``users/<user_id>/``, so
erasing an account deletes one prefix."""

from __future__ import annotations


def user_prefix(user_id: str) -> str:
    return f"users/{user_id}"


def upload_key(user_id: str, upload_id: str, extension: str) -> str:
    return f"users/{user_id}/uploads/{upload_id}{extension}"


def avatar_key(user_id: str, avatar_id: str, extension: str) -> str:
    return f"users/{user_id}/avatar/{avatar_id}{extension}"


def result_key(user_id: str, task_id: str) -> str:
    return f"users/{user_id}/tasks/{task_id}/result.mp4"


def thumbnail_key(user_id: str, task_id: str) -> str:
    return f"users/{user_id}/tasks/{task_id}/thumbnail.jpg"


def target_preview_key(user_id: str, task_id: str) -> str:
    """Return the key of the browser-playable copy of a task's target video, beside the result."""
    return f"users/{user_id}/tasks/{task_id}/target-preview.mp4"


def upload_file_url(upload_id: str) -> str:
    """Return the ``file_url`` of an upload, which tasks take as ``image_url`` and ``video_url``."""
    return f"/api/v1/uploads/{upload_id}/file"
