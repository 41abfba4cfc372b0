"""Validation of the ``options`` object of a task request."""

from __future__ import annotations

from typing import Any

from vidswap.jobs.errors import InvalidTaskOptionError
from vidswap.swap.options import FaceSelection

DEFAULT_QUALITY = 18
KNOWN_OPTIONS = ("faces", "reference_url", "quality", "label")


def validate_options(raw: Any) -> dict[str, Any]:
    """Return the options with defaults filled in; raise ``InvalidTaskOptionError`` naming
    the first bad value. ``reference_url`` is kept only when ``faces`` is ``reference``."""
    if not isinstance(raw, dict):
        raise _invalid("options", raw, "send a JSON object", "请发送 JSON 对象")
    for name in raw:
        if name not in KNOWN_OPTIONS:
            known = ", ".join(KNOWN_OPTIONS)
            raise _invalid(
                name, raw[name], f"unknown option; use {known}", f"未知选项，可用：{known}"
            )

    faces = raw.get("faces", FaceSelection.LARGEST.value)
    choices = ", ".join(item.value for item in FaceSelection)
    if faces not in {item.value for item in FaceSelection}:
        raise _invalid("faces", faces, f"use one of {choices}", f"可选值：{choices}")

    quality = raw.get("quality", DEFAULT_QUALITY)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 51:
        raise _invalid(
            "quality",
            quality,
            "use a whole number from 0 (best) to 51 (smallest file); 18 is the default",
            "请使用 0（最佳）到 51（文件最小）之间的整数，默认 18",
        )

    label = raw.get("label", True)
    if not isinstance(label, bool):
        raise _invalid("label", label, "use true or false", "请使用 true 或 false")

    options: dict[str, Any] = {"faces": faces, "quality": quality, "label": label}
    reference_url = raw.get("reference_url")
    if faces == FaceSelection.REFERENCE.value:
        if not isinstance(reference_url, str) or not reference_url:
            raise _invalid(
                "reference_url",
                reference_url,
                "faces=reference needs the file_url of a photo of the person to replace",
                "faces=reference 需要提供待替换人物照片的 file_url",
            )
        options["reference_url"] = reference_url
    elif reference_url is not None:
        raise _invalid(
            "reference_url",
            reference_url,
            "send it only with faces=reference",
            "仅在 faces=reference 时提供",
        )
    return options


def _invalid(name: str, value: Any, hint: str, hint_zh: str) -> InvalidTaskOptionError:
    return InvalidTaskOptionError(name=name, value=value, hint=hint, hint_zh=hint_zh)
