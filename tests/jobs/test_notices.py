"""Stored engine notices rendered with the upload's file name or a role wording."""

from __future__ import annotations

from vidswap.jobs.notices import render_notices, stored_notices
from vidswap.swap.notices import NoFaceInTarget, SeveralReferenceFaces, SeveralSourceFaces

FACE_PATH = "/var/tmp/vidswap/tasks/abc/image_url.jpg"
TARGET_PATH = "/var/tmp/vidswap/tasks/abc/video_url.mp4"
REFERENCE_PATH = "/var/tmp/vidswap/tasks/abc/reference_url.jpg"
SEVERAL = {"count": 2, "width": 200, "x": 300, "y": 250}


def test_stored_notice_keeps_no_path() -> None:
    files = {TARGET_PATH: ("target", "beach.mp4")}

    stored = stored_notices([NoFaceInTarget(path=TARGET_PATH)], files)

    assert stored == [
        {"code": "face_none_in_target", "params": {"path": {"file": "target", "name": "beach.mp4"}}}
    ]
    assert "/var/tmp" not in str(stored)


def test_unnamed_files_get_role_wording() -> None:
    files = {
        FACE_PATH: ("face", None),
        TARGET_PATH: ("target", None),
        REFERENCE_PATH: ("reference", None),
    }
    notices = [
        SeveralSourceFaces(path=FACE_PATH, **SEVERAL),
        NoFaceInTarget(path=TARGET_PATH),
        SeveralReferenceFaces(path=REFERENCE_PATH, **SEVERAL),
    ]
    stored = stored_notices(notices, files)

    english = [notice["message"] for notice in render_notices(stored, "en")]
    chinese = [notice["message"] for notice in render_notices(stored, "zh-CN")]

    assert english[0].startswith("The face photo shows 2 faces")
    assert english[1].startswith("No face was found in the target;")
    assert english[2].startswith("The reference photo shows 2 faces")
    assert chinese[0].startswith("人脸照片 中有 2 张人脸")
    assert "目标文件" in chinese[1]
    assert chinese[2].startswith("参考照片 中有 2 张人脸")


def test_file_name_is_not_capitalised() -> None:
    stored = stored_notices(
        [SeveralSourceFaces(path=FACE_PATH, **SEVERAL)], {FACE_PATH: ("face", "me.jpg")}
    )

    assert render_notices(stored, "en")[0]["message"].startswith("me.jpg shows 2 faces")


def test_unknown_code_is_skipped() -> None:
    assert render_notices([{"code": "retired_notice", "params": {}}], "en") == []
    assert render_notices(None, "en") == []
