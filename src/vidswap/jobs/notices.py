"""Store the engine's notices on a task and render them for its owner.

The engine names files by the worker's temporary paths. A stored notice replaces
each such path with a file reference, ``{"file": ROLE, "name": FILENAME}``, where
``name`` is the upload's original file name or None. Rendering fills the
reference with that name, or with a wording for the role in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import structlog

from vidswap.kit.i18n import normalize_locale
from vidswap.kit.notices import Notice

log = structlog.get_logger(__name__)

FACE = "face"
TARGET = "target"
REFERENCE = "reference"

# Used in place of a file name when the upload has none. The reference notice
# already contains "the reference photo", so the reference gets no extra words.
FILE_ROLE_WORDING = {
    FACE: {"en": "the face photo", "zh-CN": "人脸照片"},
    TARGET: {"en": "the target", "zh-CN": "目标文件"},
    REFERENCE: {"en": "", "zh-CN": ""},
}


class EnergyReturned(Notice):
    """Notice that the worker adds when the swap replaced no face, so the task costs nothing."""

    code = "energy_returned"
    messages = {
        "en": "No face was replaced, so the {energy} Energy held for this task was returned.",
        "zh-CN": "没有替换任何人脸，为本任务预留的 {energy} 能量已退还。",
    }


def stored_notices(
    notices: list[Notice], files: Mapping[str, tuple[str, str | None]]
) -> list[dict[str, Any]]:
    """Convert engine notices to JSON for the task's ``notices`` column.

    ``files`` maps each temporary input path to its role and upload file name.
    Other strings that contain a mapped path get the file name (or role) in its place.
    """
    stored = []
    for notice in notices:
        params: dict[str, Any] = {}
        for name, value in notice.params.items():
            if isinstance(value, str) and value in files:
                role, filename = files[value]
                params[name] = {"file": role, "name": filename}
            elif isinstance(value, str):
                for path, (role, filename) in files.items():
                    value = value.replace(path, filename or role)
                params[name] = value
            elif isinstance(value, int | float | bool) or value is None:
                params[name] = value
            else:
                params[name] = str(value)
        stored.append({"code": notice.code, "params": params})
    return stored


def render_notices(stored: list[dict[str, Any]] | None, locale: str | None) -> list[dict[str, str]]:
    """Render stored notices as ``{"code", "message"}`` in ``locale``, skipping
    any whose code or parameters no longer match a notice class."""
    rendered = []
    for entry in stored or []:
        code = entry.get("code", "")
        notice_class = _notice_classes().get(code)
        if notice_class is None:
            log.warning("task.notice_unknown", code=code)
            continue
        params: dict[str, Any] = {}
        wordings: list[str] = []
        for name, value in (entry.get("params") or {}).items():
            if _is_file_reference(value) and not value.get("name"):
                value = _role_wording(value["file"], locale)
                wordings.append(value)
            elif _is_file_reference(value):
                value = str(value["name"])
            params[name] = value
        try:
            message = notice_class(**params).message(locale)
        except (KeyError, IndexError, ValueError):
            log.warning("task.notice_unrenderable", code=code)
            continue
        rendered.append({"code": code, "message": _tidy(message, wordings)})
    return rendered


def _is_file_reference(value: Any) -> bool:
    return isinstance(value, dict) and "file" in value


def _role_wording(role: str, locale: str | None) -> str:
    wording = FILE_ROLE_WORDING.get(role, FILE_ROLE_WORDING[TARGET])
    return wording[normalize_locale(locale)]


def _tidy(message: str, wordings: list[str]) -> str:
    """Collapse the double spaces an empty wording leaves, and capitalise a message
    that starts with a wording such as "the face photo" (never a file name)."""
    message = " ".join(message.split())
    if any(wording and message.startswith(wording) for wording in wordings):
        message = message[:1].upper() + message[1:]
    return message


@cache
def _notice_classes() -> dict[str, type[Notice]]:
    # Importing the engine's notices registers them as subclasses of Notice.
    import vidswap.swap.notices  # noqa: F401

    found: dict[str, type[Notice]] = {}
    pending: list[type[Notice]] = list(Notice.__subclasses__())
    while pending:
        notice_class = pending.pop()
        found[notice_class.code] = notice_class
        pending.extend(notice_class.__subclasses__())
    return found
