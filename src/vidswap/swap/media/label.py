"""Draw the visible "AI-generated" mark into a corner of a frame."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vidswap.swap.errors import InvalidOptionError
from vidswap.swap.options import LabelOptions

CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")

# Debian/Ubuntu paths of fonts that cover CJK (fonts-noto-cjk, fonts-wqy-zenhei,
# fonts-wqy-microhei), tried in this order when the text needs them.
SYSTEM_CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)

# Pillow's built-in font covers Latin letters only; text beyond this code point
# needs a font file.
LAST_BUILTIN_CODE_POINT = 0x024F

SIZE_FRACTION = 0.025
MIN_TEXT_SIZE = 10
TEXT_OPACITY = 230
BACKING_OPACITY = 120


@dataclass(frozen=True)
class RenderedLabel:
    """A pre-rendered label patch: BGR colour and alpha in [0, 1], both float32."""

    bgr: np.ndarray
    alpha: np.ndarray


def draw_visible_label(bgr: np.ndarray, options: LabelOptions) -> None:
    """Blend the label text on a soft dark backing into a corner of ``bgr``, in place.

    The text height is 2.5% of the frame's shorter side, at least 10 px. Does
    nothing when ``options.visible`` is false. Raises InvalidOptionError for an
    unknown corner, or for text the built-in font cannot draw when no font file
    is given and no system CJK font is installed.
    """
    if not options.visible:
        return
    if options.corner not in CORNERS:
        raise InvalidOptionError(
            name="label corner", value=options.corner, hint=f"use one of {', '.join(CORNERS)}"
        )

    height, width = bgr.shape[:2]
    text_size = max(MIN_TEXT_SIZE, round(SIZE_FRACTION * min(height, width)))
    label = render_label(text_size, options)
    patch_height = min(label.alpha.shape[0], height)
    patch_width = min(label.alpha.shape[1], width)
    top, left = corner_origin(options.corner, (height, width), (patch_height, patch_width))

    region = bgr[top : top + patch_height, left : left + patch_width]
    alpha = label.alpha[:patch_height, :patch_width]
    colour = label.bgr[:patch_height, :patch_width]
    blended = colour * alpha + region.astype(np.float32) * (1.0 - alpha)
    region[...] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)


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


def load_font(
    text: str, font_path: Path | None, size: int
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return the font for ``text``: the given file, the built-in font, or a system CJK font."""
    if font_path is not None:
        # NOTE: a font without glyphs for the text draws empty boxes; coverage is not checked.
        try:
            return ImageFont.truetype(str(font_path), size=size)
        except OSError as exc:
            raise InvalidOptionError(
                name="label font",
                value=str(font_path),
                hint="pass a readable TrueType or OpenType font file",
            ) from exc

    if all(ord(char) <= LAST_BUILTIN_CODE_POINT for char in text):
        return ImageFont.load_default(size=size)

    for candidate in SYSTEM_CJK_FONTS:
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), size=size)
    raise InvalidOptionError(
        name="label text",
        value=text,
        hint=(
            "the built-in font cannot draw these characters and no CJK font is installed; "
            "pass a font file that contains them as the label font"
        ),
    )
