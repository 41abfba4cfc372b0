"""detect_media_kind: content-based detection and the error raised for each bad input."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.shared_media import shared_video
from tests.swap.media.conftest import VideoSpec, make_video, write_tone
from vidswap.kit.errors import VidswapError
from vidswap.swap.errors import (
    CorruptMediaError,
    EmptyMediaError,
    MediaNotFoundError,
    MediaUnreadableError,
    NoVideoStreamError,
    UnsupportedMediaError,
)
from vidswap.swap.media.sniff import MediaKind, detect_media_kind


def save_image(path: Path, image_format: str, frames: int = 1) -> Path:
    """Save a 32x24 image of ``frames`` frames, each a different colour, 100 ms apart."""
    images = [Image.new("RGB", (32, 24), (40 * i, 80, 120)) for i in range(frames)]
    extra = {"save_all": True, "append_images": images[1:], "duration": 100} if frames > 1 else {}
    images[0].save(path, format=image_format, **extra)
    return path


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"])
def test_still_images_detected(tmp_path: Path, image_format: str) -> None:
    path = save_image(tmp_path / f"still.{image_format.lower()}", image_format)
    assert detect_media_kind(path) is MediaKind.IMAGE


def test_animated_gif_is_video(tmp_path: Path) -> None:
    path = save_image(tmp_path / "anim.gif", "GIF", frames=3)
    assert detect_media_kind(path) is MediaKind.VIDEO


@pytest.mark.parametrize(("image_format", "extension"), [("WEBP", "webp"), ("PNG", "png")])
def test_animated_image_is_video(tmp_path: Path, image_format: str, extension: str) -> None:
    path = save_image(tmp_path / f"anim.{extension}", image_format, frames=3)
    assert detect_media_kind(path) is MediaKind.VIDEO


@pytest.mark.parametrize(("image_format", "extension"), [("WEBP", "webp"), ("PNG", "png")])
def test_one_frame_animation_is_image(tmp_path: Path, image_format: str, extension: str) -> None:
    path = tmp_path / f"single.{extension}"
    Image.new("RGB", (32, 24), (10, 80, 120)).save(path, format=image_format, save_all=True)
    assert detect_media_kind(path) is MediaKind.IMAGE


def test_truncated_animated_webp(tmp_path: Path) -> None:
    source = save_image(tmp_path / "whole.webp", "WEBP", frames=4)
    data = source.read_bytes()
    path = tmp_path / "cut.webp"
    path.write_bytes(data[: data.rfind(b"ANMF") + 40])
    assert_raises_with_path(path, CorruptMediaError)


def test_png_named_mp4_is_image(tmp_path: Path) -> None:
    path = save_image(tmp_path / "photo.mp4", "PNG")
    assert detect_media_kind(path) is MediaKind.IMAGE


def test_video_named_jpg_is_video(tmp_path: Path) -> None:
    path = tmp_path / "clip.jpg"
    make_video(path, VideoSpec(container_format="mp4", frames=2))
    assert detect_media_kind(path) is MediaKind.VIDEO


def test_unicode_path_with_spaces(tmp_path: Path) -> None:
    path = tmp_path / "测试 视频.mp4"
    make_video(path, VideoSpec(frames=2, time_base=Fraction(1, 24)))
    assert detect_media_kind(path) is MediaKind.VIDEO


def assert_raises_with_path(path: Path, error: type[VidswapError]) -> None:
    with pytest.raises(error) as raised:
        detect_media_kind(path)
    assert type(raised.value) is error
    assert str(path) in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    assert_raises_with_path(tmp_path / "missing.mp4", MediaNotFoundError)


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    assert_raises_with_path(folder, MediaUnreadableError)


def test_directory_message_localized(tmp_path: Path) -> None:
    folder = tmp_path / "folder.jpg"
    folder.mkdir()

    with pytest.raises(MediaUnreadableError) as error:
        detect_media_kind(folder)

    assert error.value.message("en") == (
        f"Cannot read {folder} (it is a folder, not a file); check that it is a readable file."
    )
    assert error.value.message("zh-CN") == (
        f"无法读取 {folder}（它是文件夹，不是文件），请确认它是可读的文件。"
    )


def test_permission_denied_message_localized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_image(tmp_path / "locked.png", "PNG")
    # Root may read any file, so the permission check itself is made to fail.
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)

    with pytest.raises(MediaUnreadableError) as error:
        detect_media_kind(path)

    assert error.value.message("en") == (
        f"Cannot read {path} (permission denied); check that it is a readable file."
    )
    assert (
        error.value.message("zh-CN") == f"无法读取 {path}（没有读取权限），请确认它是可读的文件。"
    )


def test_os_error_reason_kept_in_chinese() -> None:
    error = MediaUnreadableError(path="clip.mp4", reason="Input/output error")

    assert (
        error.message("zh-CN") == "无法读取 clip.mp4（Input/output error），请确认它是可读的文件。"
    )


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    assert_raises_with_path(path, EmptyMediaError)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert_raises_with_path(path, UnsupportedMediaError)


def test_text_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("These are meeting notes, not a video.\n" * 20)
    assert_raises_with_path(path, UnsupportedMediaError)


def test_audio_only(tmp_path: Path) -> None:
    path = tmp_path / "sound.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=48000, layout="stereo")
        write_tone(container, stream, 0.2)
    assert_raises_with_path(path, NoVideoStreamError)


def test_truncated_mp4(tmp_path: Path) -> None:
    data = shared_video("indoor-group-event-640x480-ccby.mp4").read_bytes()
    path = tmp_path / "half.mp4"
    path.write_bytes(data[: len(data) // 2])
    assert_raises_with_path(path, CorruptMediaError)


def test_truncated_mp4_without_faststart(tmp_path: Path) -> None:
    source = tmp_path / "whole.mp4"
    make_video(source, VideoSpec(frames=12))
    data = source.read_bytes()
    assert data.find(b"mdat") < data.find(b"moov")
    path = tmp_path / "half.mp4"
    path.write_bytes(data[: len(data) // 2])
    assert_raises_with_path(path, CorruptMediaError)


def test_truncated_jpeg(tmp_path: Path) -> None:
    source = tmp_path / "whole.jpg"
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (200, 200, 3), np.uint8)).save(source)
    path = tmp_path / "half.jpg"
    path.write_bytes(source.read_bytes()[:2000])
    assert_raises_with_path(path, CorruptMediaError)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permission bits")
def test_unreadable_file(tmp_path: Path) -> None:
    path = save_image(tmp_path / "locked.png", "PNG")
    path.chmod(0)
    assert_raises_with_path(path, MediaUnreadableError)
