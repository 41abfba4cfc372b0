"""draw_visible_label: changes only the corner patch, on light and dark frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.shared_media import require_cjk_font
from vidswap.swap.errors import (
    InvalidOptionError,
    LabelFontMissingGlyphsError,
    LabelFontNotFoundError,
    LabelTextTooLongError,
    LabelTextUnsupportedError,
    LabelTooWideError,
)
from vidswap.swap.media import label
from vidswap.swap.media.label import (
    SYSTEM_CJK_FONTS,
    SYSTEM_FALLBACK_FONTS,
    check_label_options,
    choose_font,
    draw_visible_label,
    fit_label,
    label_text_for,
    render_label,
)
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


LONG_TEXT = " ".join(["This is a very long label text"] * 3)


def test_long_label_shrinks_to_fit() -> None:
    frame = np.full((240, 320, 3), 128, np.uint8)
    before = frame.copy()
    options = LabelOptions(text=LONG_TEXT)

    rectangle = draw_visible_label(frame, options)

    top, bottom, left, right = changed_box(before, frame)
    assert rectangle == (left, top, right, bottom)
    assert left > 0
    assert right < 320
    assert bottom < 240
    # At the preferred 10 px the patch is wider than the frame, so the text shrank.
    preferred = render_label(10, options)
    assert preferred.alpha.shape[1] > 320
    assert bottom - top < preferred.alpha.shape[0]


def test_long_label_drawn_whole() -> None:
    frame = np.zeros((240, 320, 3), np.uint8)
    options = LabelOptions(text=LONG_TEXT)

    left, top, right, bottom = draw_visible_label(frame, options) or (0, 0, 0, 0)

    # The whole patch is blended in, not a crop of it.
    label = fit_label((240, 320), options)
    expected = np.clip(label.bgr * label.alpha + 0.5, 0, 255).astype(np.uint8)
    assert np.array_equal(frame[top:bottom, left:right], expected)
    # The bright text pixels reach both ends of the patch, past its padding only.
    text_columns = np.nonzero(np.any(frame[top:bottom, left:right] > 128, axis=(0, 2)))[0]
    assert text_columns.min() <= 4
    assert text_columns.max() >= right - left - 5


def test_label_too_wide_for_frame_rejected() -> None:
    frame = np.full((48, 64, 3), 128, np.uint8)

    with pytest.raises(LabelTooWideError) as error:
        draw_visible_label(frame, LabelOptions(text=LONG_TEXT))

    assert "64x48" in str(error.value)
    assert "6 px" in str(error.value)
    assert error.value.exit_code == 2
    assert np.all(frame == 128)


def test_label_text_over_limit_rejected() -> None:
    options = LabelOptions(text="x" * 101)

    with pytest.raises(LabelTextTooLongError) as error:
        check_label_options(options)

    assert "101 characters" in str(error.value)
    assert "100" in str(error.value)
    assert error.value.exit_code == 2
    with pytest.raises(LabelTextTooLongError):
        draw_visible_label(np.zeros((1080, 1920, 3), np.uint8), options)
    check_label_options(LabelOptions(text="x" * 100))


@pytest.mark.skipif(
    any(path.is_file() for path in SYSTEM_CJK_FONTS), reason="a system CJK font is installed"
)
def test_label_cjk_without_font_rejected() -> None:
    with pytest.raises(LabelTextUnsupportedError) as error:
        draw_visible_label(np.zeros((100, 100, 3), np.uint8), LabelOptions(text="人工智能生成"))
    assert "人 (U+4EBA)" in str(error.value)
    assert error.value.exit_code == 2


def test_label_missing_font_file_rejected(tmp_path: Path) -> None:
    font = tmp_path / "missing.ttf"
    with pytest.raises(LabelFontNotFoundError) as error:
        draw_visible_label(np.zeros((100, 100, 3), np.uint8), LabelOptions(font_path=font))
    assert str(font) in str(error.value)
    assert "does not exist" in str(error.value)
    assert error.value.exit_code == 2


def test_label_cjk_text_drawn_with_system_font() -> None:
    require_cjk_font()
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


DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(autouse=True)
def fresh_font_choice() -> Iterator[None]:
    """Forget cached font choices, which depend on the fallback fonts a test sets."""
    choose_font.cache_clear()
    render_label.cache_clear()
    fit_label.cache_clear()
    yield
    choose_font.cache_clear()
    render_label.cache_clear()
    fit_label.cache_clear()


def build_font(path: Path, characters: str) -> Path:
    """Write a TrueType font that maps only ``characters``, each drawn as a filled bar.

    Its .notdef glyph is a hollow box, so a missing character renders differently.
    """
    font_builder = pytest.importorskip("fontTools.fontBuilder")
    glyph_pen = pytest.importorskip("fontTools.pens.ttGlyphPen")
    names = {char: f"uni{ord(char):04X}" for char in characters}
    glyph_order = [".notdef", *names.values()]
    glyphs = {}
    for index, name in enumerate(glyph_order):
        pen = glyph_pen.TTGlyphPen(None)
        if name == ".notdef":
            draw_rectangle(pen, 50, 0, 550, 700)
            # Drawn right to left, the inner contour runs the other way round, so it is a hole.
            draw_rectangle(pen, 450, 100, 150, 600)
        else:
            draw_rectangle(pen, 50, 0, 150 + 40 * index, 700)
        glyphs[name] = pen.glyph()

    builder = font_builder.FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(glyph_order)
    builder.setupCharacterMap({ord(char): name for char, name in names.items()})
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (600, 50) for name in glyph_order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Vidswap Test", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.save(str(path))
    return path


def draw_rectangle(pen: object, left: int, bottom: int, right: int, top: int) -> None:
    pen.moveTo((left, bottom))  # type: ignore[attr-defined]
    pen.lineTo((left, top))  # type: ignore[attr-defined]
    pen.lineTo((right, top))  # type: ignore[attr-defined]
    pen.lineTo((right, bottom))  # type: ignore[attr-defined]
    pen.closePath()  # type: ignore[attr-defined]


def drawn(options: LabelOptions) -> np.ndarray:
    frame = np.full((240, 320, 3), 128, np.uint8)
    draw_visible_label(frame, options)
    return frame


def test_font_with_glyphs_used(tmp_path: Path) -> None:
    latin = build_font(tmp_path / "latin.ttf", "AI-")
    options = LabelOptions(text="AI", font_path=latin)

    check_label_options(options)

    assert choose_font("AI", latin) == latin
    assert not np.array_equal(drawn(options), drawn(LabelOptions(text="AI")))


def test_font_missing_glyphs_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latin = build_font(tmp_path / "latin.ttf", "AI")
    cjk = build_font(tmp_path / "cjk.ttf", "AI生成")
    monkeypatch.setattr(label, "SYSTEM_FALLBACK_FONTS", (tmp_path / "absent.ttf", cjk))

    frame = drawn(LabelOptions(text="AI生成", font_path=latin))

    assert choose_font("AI生成", latin) == cjk
    assert np.array_equal(frame, drawn(LabelOptions(text="AI生成", font_path=cjk)))


def test_font_missing_glyphs_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latin = build_font(tmp_path / "latin.ttf", "AI")
    monkeypatch.setattr(label, "SYSTEM_FALLBACK_FONTS", (build_font(tmp_path / "b.ttf", "AB"),))
    options = LabelOptions(text="AI 生成生", font_path=latin)

    with pytest.raises(LabelFontMissingGlyphsError) as error:
        check_label_options(options)

    message = str(error.value)
    assert str(latin) in message
    assert "生 (U+751F), 成 (U+6210)" in message
    assert "(U+0041)" not in message
    assert "(U+0020)" not in message
    assert error.value.exit_code == 2
    with pytest.raises(LabelFontMissingGlyphsError):
        drawn(options)


def test_real_font_without_cjk_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    if not DEJAVU_SANS.is_file():
        pytest.skip(f"{DEJAVU_SANS} is not installed (Debian package fonts-dejavu-core)")
    monkeypatch.setattr(label, "SYSTEM_FALLBACK_FONTS", (DEJAVU_SANS,))

    with pytest.raises(LabelFontMissingGlyphsError) as error:
        check_label_options(LabelOptions(text="Généré par IA · AI生成", font_path=DEJAVU_SANS))

    message = str(error.value)
    assert str(DEJAVU_SANS) in message
    assert "生 (U+751F), 成 (U+6210)" in message
    assert "é" not in message


def test_builtin_font_accents_fall_back() -> None:
    installed = [path for path in SYSTEM_FALLBACK_FONTS if path.is_file()]
    if not installed:
        pytest.skip("no fallback font installed (Debian package fonts-dejavu-core)")

    # Pillow's built-in font has no "é", so it would draw a box.
    assert choose_font("Généré par IA", None) in installed
    assert choose_font("AI-generated", None) is None


def test_hidden_label_font_not_checked(tmp_path: Path) -> None:
    latin = build_font(tmp_path / "latin.ttf", "AI")
    check_label_options(LabelOptions(visible=False, text="AI生成", font_path=latin))


def test_label_text_for_chinese_locale() -> None:
    require_cjk_font()

    assert label_text_for("zh-CN") == "AI生成"
    assert label_text_for("en") == "AI-generated"
    assert label_text_for("fr") == "AI-generated"


def test_label_text_without_cjk_font_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label, "SYSTEM_FALLBACK_FONTS", ())

    assert label_text_for("zh-CN") == "AI-generated"


def test_label_text_with_given_cjk_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label, "SYSTEM_FALLBACK_FONTS", ())
    cjk = build_font(tmp_path / "cjk.ttf", "AI生成")

    assert label_text_for("zh-CN", cjk) == "AI生成"
