"""Paths to the real test photos and videos in ../shared/data beside the repository.

Tests skip with the reason when a file is missing, except under CI (CI=true),
where the media are expected and a missing file fails the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _require(path: Path) -> Path:
    if path.is_file():
        return path
    reason = f"test media {path} is missing (expected in ../shared/data beside the repository)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def shared_face(name: str) -> Path:
    return _require(SHARED_DATA / "faces" / name)


def shared_video(name: str) -> Path:
    return _require(SHARED_DATA / "videos" / name)


def require_cjk_font() -> None:
    """Skip (fail under CI) unless a system CJK font is installed for the visible mark."""
    from vidswap.swap.media.label import SYSTEM_CJK_FONTS

    if any(path.is_file() for path in SYSTEM_CJK_FONTS):
        return
    reason = "no CJK font installed (Debian package fonts-wqy-microhei)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
