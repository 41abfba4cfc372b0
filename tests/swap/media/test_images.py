"""read_picture / write_picture: orientation, mode conversion, alpha and the AI label tags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.shared_media import shared_face
from vidswap.swap.errors import (
    ImageTooLargeError,
    NotAnImageError,
    OutputFormatError,
    OutputNotWritableError,
)
from vidswap.swap.media.images import Picture, read_picture, write_picture
from vidswap.swap.options import LABEL_METADATA_VALUE

EXIF_IMAGE_DESCRIPTION = 0x010E


def test_exif_orientation_applied() -> None:
    path = shared_face("mugshot-woman-exif-orientation5-meds2.jpg")
    with Image.open(path) as stored:
        assert stored.size == (600, 480)

    picture = read_picture(path)

    assert picture.bgr.shape == (600, 480, 3)
    assert picture.bgr.flags.c_contiguous
    assert picture.format == "JPEG"


def sample_picture() -> Picture:
    bgr = np.zeros((24, 32, 3), np.uint8)
    bgr[:, :16] = (20, 60, 200)
    bgr[:, 16:] = (180, 140, 30)
    alpha = np.tile(np.linspace(0, 255, 32).astype(np.uint8), (24, 1))
    return Picture(bgr=bgr, alpha=alpha, format="PNG")


FORMAT_CASES = [
    # extension, Pillow format, keeps alpha, max pixel error (lossy formats)
    (".jpg", "JPEG", False, 12),
    (".png", "PNG", True, 0),
    (".webp", "WEBP", True, 12),
    (".bmp", "BMP", False, 0),
    (".tiff", "TIFF", True, 0),
    (".heic", "HEIF", False, 16),
]


@pytest.mark.parametrize(("extension", "image_format", "keeps_alpha", "tolerance"), FORMAT_CASES)
def test_write_read_round_trip(
    tmp_path: Path, extension: str, image_format: str, keeps_alpha: bool, tolerance: int
) -> None:
    picture = sample_picture()
    path = tmp_path / f"out{extension}"

    write_picture(path, picture)
    read_back = read_picture(path)

    assert read_back.format == image_format
    assert read_back.bgr.shape == picture.bgr.shape
    error = np.abs(
        read_back.bgr[4:20, [4, 8, 24, 28]].astype(int) - picture.bgr[4:20, [4, 8, 24, 28]]
    )
    assert error.max() <= tolerance
    if keeps_alpha:
        assert read_back.alpha is not None
        assert np.array_equal(read_back.alpha, picture.alpha)
    else:
        assert read_back.alpha is None
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("extension", [".jpg", ".png", ".webp", ".tiff", ".heic"])
def test_label_metadata_written(tmp_path: Path, extension: str) -> None:
    path = tmp_path / f"out{extension}"

    write_picture(path, sample_picture())

    with Image.open(path) as image:
        assert image.getexif().get(EXIF_IMAGE_DESCRIPTION) == LABEL_METADATA_VALUE
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        if xmp is None and extension == ".tiff":
            xmp = image.tag_v2.get(700)
        assert xmp is not None
        xmp_text = xmp.decode() if isinstance(xmp, bytes) else xmp
        assert LABEL_METADATA_VALUE in xmp_text
        assert "compositeWithTrainedAlgorithmicMedia" in xmp_text
        if extension == ".png":
            assert image.text["Description"] == LABEL_METADATA_VALUE
            assert image.text["AI-Generated"] == "true"


def test_unknown_extension_rejected(tmp_path: Path) -> None:
    path = tmp_path / "out.xyz"
    with pytest.raises(OutputFormatError) as error:
        write_picture(path, sample_picture())
    assert str(path) in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("size", "megapixels"), [((12000, 9000), "108"), ((20000, 10000), "> 178")]
)
def test_huge_image_rejected(tmp_path: Path, size: tuple[int, int], megapixels: str) -> None:
    """A small file of huge dimensions is rejected before it is decoded."""
    path = tmp_path / "huge.png"
    Image.new("L", size, 128).save(path)

    with pytest.raises(ImageTooLargeError) as error:
        read_picture(path)

    assert error.value.code == "image_too_large"
    assert error.value.params["megapixels"] == megapixels
    assert str(path) in str(error.value)
    assert "scale it down" in str(error.value)


def test_missing_folder_rejected(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "out.png"
    with pytest.raises(OutputNotWritableError):
        write_picture(path, sample_picture())
    assert list(tmp_path.iterdir()) == []


def test_modes_converted_to_bgr(tmp_path: Path) -> None:
    gray16 = np.full((8, 8), 0x8000, np.uint16)
    Image.fromarray(gray16).save(tmp_path / "gray16.png")
    Image.new("L", (8, 8), 77).save(tmp_path / "gray.png")
    Image.new("RGB", (8, 8), (10, 200, 30)).quantize(4).save(tmp_path / "palette.png")
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=100)
    palette_alpha = Image.new("RGBA", (8, 8), (0, 0, 255, 0)).convert("P")
    palette_alpha.save(tmp_path / "palette-alpha.png", transparency=0)

    assert read_picture(tmp_path / "gray16.png").bgr[0, 0].tolist() == [128, 128, 128]
    assert read_picture(tmp_path / "gray.png").bgr[0, 0].tolist() == [77, 77, 77]
    assert read_picture(tmp_path / "palette.png").bgr[0, 0].tolist() == [30, 200, 10]
    cmyk = read_picture(tmp_path / "cmyk.jpg").bgr[4, 4].astype(int)
    assert cmyk[2] > 230
    assert cmyk[1] < 25
    assert cmyk[0] < 25
    with_alpha = read_picture(tmp_path / "palette-alpha.png")
    assert with_alpha.alpha is not None
    assert with_alpha.alpha.max() == 0
    for picture in (read_picture(tmp_path / name) for name in ("gray16.png", "cmyk.jpg")):
        assert picture.bgr.dtype == np.uint8
        assert picture.bgr.shape == (8, 8, 3)


@pytest.mark.parametrize(
    ("image_format", "extension"), [("GIF", "gif"), ("WEBP", "webp"), ("PNG", "png")]
)
def test_animated_image_rejected(tmp_path: Path, image_format: str, extension: str) -> None:
    frames = [Image.new("RGB", (32, 24), (60 * index, 80, 120)) for index in range(3)]
    path = tmp_path / f"anim.{extension}"
    frames[0].save(path, format=image_format, save_all=True, append_images=frames[1:])

    with pytest.raises(NotAnImageError) as error:
        read_picture(path)
    assert str(path) in str(error.value)
