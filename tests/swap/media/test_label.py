"""draw_visible_label: changes only the corner patch, on light and dark frames."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vidswap.swap.errors import InvalidOptionError
from vidswap.swap.media.label import SYSTEM_CJK_FONTS, draw_visible_label
from vidswap.swap.options import LabelOptions


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """Return (top, bottom, left, right) of the pixels that differ, bottom/right exclusive."""
    rows, cols = np.nonzero(np.any(before != after, axis=2))
    assert rows.size > 0, "the label changed no pixel"
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


@pytest.mark.parametrize("level", [20, 235])
@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_label_only_in_corner(corner: str, level: int) -> None:
    frame = np.full((480, 640, 3), level, np.uint8)
    before = frame.copy()

    draw_visible_label(frame, LabelOptions(corner=corner))

    top, bottom, left, right = changed_box(before, frame)
    assert bottom - top <= 40
    assert right - left <= 200
    if corner.startswith("top"):
        assert top < 30
    else:
        assert bottom > 450
    if corner.endswith("left"):
        assert left < 30
    else:
        assert right > 610
    patch = frame[top:bottom, left:right].astype(int)
    assert patch.max() - patch.min() > 60, "text must contrast with its backing"


def test_label_scales_with_frame() -> None:
    small = np.full((120, 160, 3), 128, np.uint8)
    large = np.full((1080, 1920, 3), 128, np.uint8)
    small_before, large_before = small.copy(), large.copy()

    draw_visible_label(small, LabelOptions())
    draw_visible_label(large, LabelOptions())

    small_top, small_bottom, _, _ = changed_box(small_before, small)
    large_top, large_bottom, _, _ = changed_box(large_before, large)
    assert small_bottom - small_top >= 10
    assert large_bottom - large_top > 2 * (small_bottom - small_top)


def test_label_not_visible_draws_nothing() -> None:
    frame = np.full((100, 100, 3), 128, np.uint8)
    draw_visible_label(frame, LabelOptions(visible=False))
    assert np.all(frame == 128)


def test_label_bad_corner_rejected() -> None:
    with pytest.raises(InvalidOptionError) as error:
        draw_visible_label(np.zeros((100, 100, 3), np.uint8), LabelOptions(corner="middle"))
    assert "middle" in str(error.value)


@pytest.mark.skipif(
    any(path.is_file() for path in SYSTEM_CJK_FONTS), reason="a system CJK font is installed"
)
def test_label_cjk_without_font_rejected() -> None:
    with pytest.raises(InvalidOptionError) as error:
        draw_visible_label(np.zeros((100, 100, 3), np.uint8), LabelOptions(text="人工智能生成"))
    assert "人工智能生成" in str(error.value)


def test_label_missing_font_file_rejected(tmp_path: Path) -> None:
    font = tmp_path / "missing.ttf"
    with pytest.raises(InvalidOptionError) as error:
        draw_visible_label(np.zeros((100, 100, 3), np.uint8), LabelOptions(font_path=font))
    assert str(font) in str(error.value)


def test_label_cjk_text_drawn_with_system_font() -> None:
    fonts = [path for path in SYSTEM_CJK_FONTS if path.is_file()]
    if not fonts:
        reason = "no CJK font installed (Debian package fonts-wqy-microhei)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    frame = np.full((480, 640, 3), 200, dtype=np.uint8)
    latin = frame.copy()

    draw_visible_label(frame, LabelOptions(text="AI生成"))
    draw_visible_label(latin, LabelOptions(text="AI"))

    blank = np.full_like(frame, 200)
    _, cjk_bottom, cjk_left, cjk_right = changed_box(blank, frame)
    _, _, latin_left, latin_right = changed_box(blank, latin)
    assert cjk_bottom > 440
    assert cjk_right > 600
    # The two CJK glyphs make the mark wider than the Latin text alone.
    assert cjk_right - cjk_left > latin_right - latin_left
