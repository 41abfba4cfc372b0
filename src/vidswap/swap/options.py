"""Typed options and callbacks that callers pass into the swap engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class FaceSelection(StrEnum):
    """The selection of target faces that get the source face."""

    LARGEST = "largest"
    ALL = "all"
    REFERENCE = "reference"


DEFAULT_LABEL_TEXT = "AI-generated"
# The visible mark's text per locale of vidswap.kit.i18n; other locales get DEFAULT_LABEL_TEXT.
LABEL_TEXTS = {"en": DEFAULT_LABEL_TEXT, "zh-CN": "AI生成"}
LABEL_METADATA_VALUE = "AI-generated content: face swapped by vidswap"
# The maximum number of characters in the visible mark's text. At the smallest
# text size (6 px), 92 characters of Latin text span about 210 px in Pillow's
# built-in font (measured with Pillow 13.0.0), and 100 wide letters about 600 px.
MAX_LABEL_TEXT_LENGTH = 100


@dataclass(frozen=True)
class LabelOptions:
    """The AI-generated label. The metadata tag is always written; ``visible``
    adds a small text mark in a corner of every frame."""

    visible: bool = True
    text: str = DEFAULT_LABEL_TEXT
    # A TrueType/OpenType font for text that the built-in font cannot draw (CJK).
    font_path: Path | None = None
    corner: str = "bottom-right"


@dataclass(frozen=True)
class SwapOptions:
    faces: FaceSelection = FaceSelection.LARGEST
    reference: Path | None = None
    # x264 constant rate factor, 0 (lossless) to 51 (worst); 18 is visually lossless.
    quality: int = 18
    keep_audio: bool = True
    label: LabelOptions = field(default_factory=LabelOptions)
    # How far the swapped face takes the source's proportions (eye spacing, nose,
    # mouth position): 0 keeps the target's, 1 takes the source's. Below 1 it
    # trades likeness for a face that MediaPipe reads as steady as the target's
    # (see docs/benchmarks.md).
    shape_transfer: float = 0.75


@dataclass(frozen=True)
class Progress:
    """How far a swap is: frames done, the expected total when known, seconds elapsed."""

    frames_done: int
    frames_total: int | None
    elapsed_seconds: float


ProgressCallback = Callable[[Progress], None]
CancelCheck = Callable[[], bool]
