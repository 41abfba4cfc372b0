"""Client file names, kept only as display names."""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 255
DEFAULT_NAME = "upload"


def display_name(raw: str | None, default: str = DEFAULT_NAME) -> str:
    """Return the last path component of ``raw`` without control characters.

    The result is shown to the user and put in Content-Disposition headers. It is
    never used to build a path or a storage key. ``../../etc/passwd`` becomes ``passwd``.
    """
    text = (raw or "").replace("\\", "/").split("/")[-1]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    text = text.strip().lstrip(".").strip()
    if not text:
        return default
    return text[:MAX_NAME_LENGTH]
