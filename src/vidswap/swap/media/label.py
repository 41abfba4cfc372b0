"""Draw the visible "AI-generated" mark into a corner of a frame."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import structlog
from PIL import Image, ImageDraw, ImageFont

from vidswap.swap.errors import (
    InvalidOptionError,
    LabelFontMissingGlyphsError,
    LabelFontNotFoundError,
    LabelFontUnreadableError,
    LabelTextTooLongError,
    LabelTextUnsupportedError,
    LabelTooWideError,
)
from vidswap.swap.options import (
    DEFAULT_LABEL_TEXT,
    LABEL_TEXTS,
    MAX_LABEL_TEXT_LENGTH,
    LabelOptions,
)

log = structlog.get_logger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")

# Debian/Ubuntu paths of fonts that cover CJK (fonts-noto-cjk, fonts-wqy-zenhei,
# fonts-wqy-microhei).
SYSTEM_CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
# Fonts tried in this order when the chosen font lacks glyphs for the text.
# DejaVu Sans (fonts-dejavu-core) covers Latin, Greek, Cyrillic, Hebrew and
# Arabic, which Pillow's built-in font (Latin letters without accents) does not.
SYSTEM_FALLBACK_FONTS = (
    *SYSTEM_CJK_FONTS,
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)

# Glyph coverage is checked at this size, because a font maps the same characters at every size.
PROBE_SIZE = 32
# A noncharacter, which no font maps, so it renders as the font's .notdef glyph.
NONCHARACTER = "\U0010ffff"

SIZE_FRACTION = 0.025
MIN_TEXT_SIZE = 10
# A text too wide for the frame shrinks down to this size, because smaller text is hard to read.
MIN_FIT_TEXT_SIZE = 6
TEXT_OPACITY = 230
BACKING_OPACITY = 120


@dataclass(frozen=True)
class RenderedLabel:
    """A pre-rendered label patch: BGR colour and alpha in [0, 1], both float32."""

    bgr: np.ndarray
    alpha: np.ndarray


def draw_visible_label(bgr: np.ndarray, options: LabelOptions) -> tuple[int, int, int, int] | None:
    """Blend the label text on a soft dark backing into a corner of ``bgr``, in place.

    Returns the (left, top, right, bottom) rectangle drawn, or None when
    ``options.visible`` is false. The label is sized by fit_label, so it is
    never clipped. Raises the errors of check_label_options, and
    LabelTooWideError when the text does not fit in the frame.
    """
    if not options.visible:
        return None
    check_corner(options.corner)
    check_text_length(options.text)

    height, width = bgr.shape[:2]
    label = fit_label((height, width), options)
    patch_height, patch_width = label.alpha.shape[:2]
    top, left = corner_origin(options.corner, (height, width), (patch_height, patch_width))

    region = bgr[top : top + patch_height, left : left + patch_width]
    blended = label.bgr * label.alpha + region.astype(np.float32) * (1.0 - label.alpha)
    region[...] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    return left, top, left + patch_width, top + patch_height


@lru_cache(maxsize=32)
def fit_label(frame_size: tuple[int, int], options: LabelOptions) -> RenderedLabel:
    """Render the label at the largest text size whose patch and margins fit in the frame.

    The preferred text height is 2.5% of the frame's shorter side, at least
    10 px. A text too wide or tall for that shrinks, down to MIN_FIT_TEXT_SIZE.
    Raises LabelTooWideError when even that size does not fit, because a
    clipped label would no longer show all of its text.
    """
    height, width = frame_size
    preferred = max(MIN_TEXT_SIZE, round(SIZE_FRACTION * min(height, width)))
    text_size = preferred
    while True:
        label = render_label(text_size, options)
        patch_height, patch_width = label.alpha.shape[:2]
        # corner_origin insets the patch by half its height. The same margin is kept
        # on the far side, so the label never touches the opposite edge.
        needed_width = patch_width + 2 * (patch_height // 2)
        needed_height = patch_height + 2 * (patch_height // 2)
        if needed_width <= width and needed_height <= height:
            break
        if text_size <= MIN_FIT_TEXT_SIZE:
            raise LabelTooWideError(
                text=options.text, width=width, height=height, size=MIN_FIT_TEXT_SIZE
            )
        # The patch grows about linearly with the text size, so each step scales the
        # size by the shortfall, and by at least 1 px.
        scale = min(width / needed_width, height / needed_height)
        text_size = max(MIN_FIT_TEXT_SIZE, min(text_size - 1, int(text_size * scale)))

    if text_size < preferred:
        log.info(
            "media.label_text_shrunk",
            text_size=text_size,
            preferred_size=preferred,
            frame_width=width,
            frame_height=height,
        )
    return label


def corner_origin(
    corner: str, frame_size: tuple[int, int], patch_size: tuple[int, int]
) -> tuple[int, int]:
    """Return the (top, left) pixel of the patch, inset from the corner by half a text line."""
    height, width = frame_size
    patch_height, patch_width = patch_size
    margin_y = min(patch_height // 2, height - patch_height)
    margin_x = min(patch_height // 2, width - patch_width)
    top = margin_y if corner.startswith("top") else height - patch_height - margin_y
    left = margin_x if corner.endswith("left") else width - patch_width - margin_x
    return top, left


@lru_cache(maxsize=32)
def render_label(text_size: int, options: LabelOptions) -> RenderedLabel:
    """Render the label once per text size and options; every frame reuses the patch."""
    font = load_font(options.text, options.font_path, text_size)
    left, top, right, bottom = font.getbbox(options.text)
    padding = max(2, text_size // 3)
    width = right - left + 2 * padding
    height = bottom - top + 2 * padding

    backing = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(backing).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=padding, fill=(0, 0, 0, BACKING_OPACITY)
    )
    text_layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(text_layer).text(
        (padding - left, padding - top), options.text, font=font, fill=(255, 255, 255, TEXT_OPACITY)
    )
    rgba = np.asarray(Image.alpha_composite(backing, text_layer), dtype=np.float32)

    bgr = np.ascontiguousarray(rgba[:, :, 2::-1])
    alpha = rgba[:, :, 3:4] / 255.0
    bgr.flags.writeable = False
    alpha.flags.writeable = False
    return RenderedLabel(bgr=bgr, alpha=alpha)


def check_label_options(options: LabelOptions) -> None:
    """Raise the error that drawing the label would raise, before any frame is read.

    Raises InvalidOptionError for an unknown corner, LabelFontUnreadableError for
    a font file that Pillow cannot open,
    LabelTextTooLongError for a text of more than MAX_LABEL_TEXT_LENGTH characters,
    and LabelFontMissingGlyphsError or LabelTextUnsupportedError when no font
    has glyphs for every character of the text. Whether the text fits in the
    frame is known only when the first frame is drawn (LabelTooWideError).
    """
    if not options.visible:
        return
    check_corner(options.corner)
    check_text_length(options.text)
    choose_font(options.text, options.font_path)


def label_text_for(locale: str, font_path: Path | None = None) -> str:
    """Return the visible mark's text in ``locale``, or the English text when no font draws it.

    A Chinese mark needs a CJK font (``font_path`` or a system one). A worker
    or server may have none, so the mark falls back to English there.
    """
    text = LABEL_TEXTS.get(locale, DEFAULT_LABEL_TEXT)
    if text == DEFAULT_LABEL_TEXT:
        return text
    try:
        choose_font(text, font_path)
    except (LabelTextUnsupportedError, LabelFontMissingGlyphsError) as exc:
        log.warning(
            "media.label_text_fallback",
            locale=locale,
            text=DEFAULT_LABEL_TEXT,
            reason=exc.message("en"),
        )
        return DEFAULT_LABEL_TEXT
    return text


def check_corner(corner: str) -> None:
    if corner not in CORNERS:
        raise InvalidOptionError(
            name="label corner", value=corner, hint=f"use one of {', '.join(CORNERS)}"
        )


def check_text_length(text: str) -> None:
    if len(text) > MAX_LABEL_TEXT_LENGTH:
        raise LabelTextTooLongError(length=len(text), limit=MAX_LABEL_TEXT_LENGTH)


def load_font(text: str, font_path: Path | None, size: int) -> Font:
    """Return a font of ``size`` px that has a glyph for every character of ``text``."""
    return open_font(choose_font(text, font_path), size)


@lru_cache(maxsize=32)
def choose_font(text: str, font_path: Path | None) -> Path | None:
    """Return the font file to draw ``text`` with, or None for Pillow's built-in font.

    The given file, or the built-in font when none is given, is used when it has
    a glyph for every character. Otherwise the first of SYSTEM_FALLBACK_FONTS
    that has them all is used. When none has, this raises
    LabelFontMissingGlyphsError if a file was given and LabelTextUnsupportedError
    if not, naming the characters the first font lacks.
    """
    missing = missing_characters(open_font(font_path, PROBE_SIZE), text)
    if not missing:
        return font_path

    for candidate in SYSTEM_FALLBACK_FONTS:
        if candidate.is_file() and not missing_characters(open_font(candidate, PROBE_SIZE), text):
            log.info(
                "media.label_font_fallback",
                font=str(font_path) if font_path else "built-in",
                fallback=str(candidate),
                missing=describe_characters(missing),
            )
            return candidate

    if font_path is None:
        raise LabelTextUnsupportedError(characters=describe_characters(missing))
    raise LabelFontMissingGlyphsError(font=str(font_path), characters=describe_characters(missing))


def open_font(font_path: Path | None, size: int) -> Font:
    """Open ``font_path`` at ``size`` px, or Pillow's built-in font when it is None."""
    if font_path is None:
        return ImageFont.load_default(size=size)
    if not font_path.exists():
        raise LabelFontNotFoundError(path=font_path)
    try:
        return ImageFont.truetype(str(font_path), size=size)
    except OSError as exc:
        raise LabelFontUnreadableError(path=str(font_path)) from exc


def missing_characters(font: Font, text: str) -> list[str]:
    """Return the characters of ``text``, each once, that ``font`` draws as its .notdef glyph.

    Pillow has no glyph lookup, so each character is rendered and compared with
    the rendering of a noncharacter. Whitespace and control or format
    characters (category C*) draw nothing, so they are not checked.
    """
    notdef = render_glyph(font, NONCHARACTER)
    return [
        char
        for char in dict.fromkeys(text)
        if not char.isspace()
        and not unicodedata.category(char).startswith("C")
        and render_glyph(font, char) == notdef
    ]


def render_glyph(font: Font, char: str) -> tuple[float, tuple[int, int], bytes]:
    """Return the advance, size and pixels of ``char`` drawn alone."""
    left, top, right, bottom = font.getbbox(char)
    image = Image.new("L", (max(1, int(right - left)), max(1, int(bottom - top))))
    ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255)
    return font.getlength(char), image.size, image.tobytes()


def describe_characters(characters: list[str]) -> str:
    """Return e.g. "生 (U+751F), 成 (U+6210)", readable even when the glyph is not."""
    return ", ".join(f"{char} (U+{ord(char):04X})" for char in characters)
