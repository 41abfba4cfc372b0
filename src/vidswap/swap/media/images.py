"""Read and write still images as upright 8-bit BGR arrays with optional alpha."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import cv2
import numpy as np
import structlog
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError
from pillow_heif import register_heif_opener

from vidswap.swap.errors import (
    CorruptMediaError,
    ImageTooLargeError,
    NotAnImageError,
    OutputFormatError,
    UnsupportedMediaError,
)
from vidswap.swap.media.atomic import atomic_output
from vidswap.swap.media.container import check_input_file
from vidswap.swap.options import LABEL_METADATA_VALUE

log = structlog.get_logger(__name__)

register_heif_opener()

# Output extension -> Pillow format name.
FORMAT_BY_EXTENSION = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".heic": "HEIF",
    ".heif": "HEIF",
}
FORMATS_WITH_ALPHA = {"PNG", "WEBP", "TIFF"}
# Formats whose animated files are videos; TIFF and HEIF pages are not frames.
ANIMATED_FORMATS = {"GIF", "PNG", "WEBP"}
# Larger images are rejected before they are decoded, because 100 megapixels
# already take 300 MB as 8-bit BGR and the swap keeps several copies.
MAX_PICTURE_MEGAPIXELS = 100

EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_SOFTWARE = 0x0131
TIFF_XMP = 700
MODES_WITH_ALPHA = {"RGBA", "LA", "PA", "RGBa", "La"}
SIXTEEN_BIT_GRAY_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}

# IPTC digital source type for media that mixes camera content with AI output.
IPTC_COMPOSITE_WITH_AI = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
)


@dataclass
class Picture:
    """A decoded still image: upright BGR pixels, optional alpha and the source format."""

    bgr: np.ndarray
    alpha: np.ndarray | None
    format: str


def read_picture(path: Path) -> Picture:
    """Decode ``path`` into an upright 8-bit BGR Picture, honouring EXIF orientation.

    Grayscale, palette, CMYK and 16-bit images are converted to 8-bit BGR. Alpha,
    when present, is returned separately. Raises the media errors for unreadable,
    undecodable or non-image files.
    """
    path = Path(path)
    check_input_file(path)
    try:
        with Image.open(path) as opened:
            _check_pixel_count(path, *opened.size)
            image_format = opened.format or "UNKNOWN"
            if getattr(opened, "is_animated", False) and image_format in ANIMATED_FORMATS:
                raise NotAnImageError(path=str(path))
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except Image.DecompressionBombError as exc:
        # Pillow rejects an image of over twice its own pixel limit while opening it.
        megapixels = 2 * Image.MAX_IMAGE_PIXELS // 1_000_000 if Image.MAX_IMAGE_PIXELS else 0
        raise ImageTooLargeError(
            path=str(path), megapixels=f"> {megapixels}", limit=MAX_PICTURE_MEGAPIXELS
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaError(path=str(path), detail="Pillow cannot identify it") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMediaError(
            path=str(path), detail=f"the image cannot be decoded: {exc}"
        ) from exc

    bgr, alpha = to_bgr_and_alpha(upright)
    return Picture(bgr=bgr, alpha=alpha, format=image_format)


def _check_pixel_count(path: Path, width: int, height: int) -> None:
    megapixels = width * height / 1_000_000
    if megapixels > MAX_PICTURE_MEGAPIXELS:
        raise ImageTooLargeError(
            path=str(path), megapixels=f"{megapixels:.0f}", limit=MAX_PICTURE_MEGAPIXELS
        )


def to_bgr_and_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert any Pillow mode to an 8-bit BGR array and an optional 8-bit alpha array."""
    if image.mode in SIXTEEN_BIT_GRAY_MODES:
        gray = np.asarray(image)
        gray8 = (gray >> 8).astype(np.uint8) if gray.max() > 255 else gray.astype(np.uint8)
        return cv2.cvtColor(gray8, cv2.COLOR_GRAY2BGR), None

    has_alpha = image.mode in MODES_WITH_ALPHA or "transparency" in image.info
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"))
        return cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGR), np.ascontiguousarray(rgba[:, :, 3])

    rgb = np.asarray(image.convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), None


def write_picture(
    path: Path,
    picture: Picture,
    *,
    quality: int = 95,
    metadata_text: str = LABEL_METADATA_VALUE,
) -> None:
    """Encode ``picture`` to ``path`` in the format its extension names, atomically.

    Alpha is kept for PNG, WebP and TIFF and dropped for the others. The AI label
    goes into EXIF ImageDescription and XMP (JPEG, WebP, TIFF, HEIF), and into PNG
    text chunks "Description" and "AI-Generated" plus EXIF and XMP. BMP has no
    metadata field, so a BMP output carries only the pixels.
    """
    path = Path(path)
    image_format = output_format(path)
    image = to_pillow_image(picture, keep_alpha=image_format in FORMATS_WITH_ALPHA)
    save_options = build_save_options(image_format, quality, metadata_text)

    with atomic_output(path) as temp:
        image.save(temp, format=image_format, **save_options)
    log.debug("media.picture_written", path=str(path), format=image_format, size=image.size)


def output_format(path: Path) -> str:
    extension = path.suffix.lower()
    image_format = FORMAT_BY_EXTENSION.get(extension)
    if image_format is None:
        raise OutputFormatError(
            path=str(path), extension=extension, allowed=", ".join(FORMAT_BY_EXTENSION)
        )
    return image_format


def to_pillow_image(picture: Picture, *, keep_alpha: bool) -> Image.Image:
    if keep_alpha and picture.alpha is not None:
        rgba = cv2.cvtColor(picture.bgr, cv2.COLOR_BGR2RGBA)
        rgba[:, :, 3] = picture.alpha
        return Image.fromarray(rgba, mode="RGBA")
    return Image.fromarray(cv2.cvtColor(picture.bgr, cv2.COLOR_BGR2RGB), mode="RGB")


def build_save_options(image_format: str, quality: int, metadata_text: str) -> dict[str, Any]:
    """Return Pillow save() keyword arguments: quality and the AI label metadata."""
    options: dict[str, Any] = {}
    if image_format in ("JPEG", "WEBP", "HEIF"):
        options["quality"] = quality
    if image_format == "BMP":
        return options

    xmp = build_xmp(metadata_text)
    options["exif"] = build_exif(metadata_text)
    if image_format == "PNG":
        text_chunks = PngImagePlugin.PngInfo()
        text_chunks.add_itxt("Description", metadata_text)
        text_chunks.add_text("AI-Generated", "true")
        text_chunks.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
        options["pnginfo"] = text_chunks
    elif image_format == "TIFF":
        # Pillow's TIFF writer ignores exif=, so the tags go into the main IFD.
        del options["exif"]
        options["tiffinfo"] = {
            EXIF_IMAGE_DESCRIPTION: metadata_text,
            EXIF_SOFTWARE: "vidswap",
            TIFF_XMP: xmp,
        }
    else:
        options["xmp"] = xmp
    return options


def build_exif(metadata_text: str) -> Image.Exif:
    exif = Image.Exif()
    exif[EXIF_IMAGE_DESCRIPTION] = metadata_text
    exif[EXIF_SOFTWARE] = "vidswap"
    return exif


def build_xmp(metadata_text: str) -> bytes:
    """Return an XMP packet with dc:description and the IPTC digital source type."""
    description = escape(metadata_text)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li>'
        "</rdf:Alt></dc:description>"
        f"<Iptc4xmpExt:DigitalSourceType>{IPTC_COMPOSITE_WITH_AI}</Iptc4xmpExt:DigitalSourceType>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")
