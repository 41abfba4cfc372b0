"""Face detection: MediaPipe BlazeFace (full range) on the whole frame and on tiles.

BlazeFace's full-range model scales the frame to 192x192, so a face narrower
than about 1/12 of the frame is lost. Overlapping tiles bring smaller faces
within reach, and boxes found twice are merged by non-maximum suppression.
Each tile size finds a band of face sizes. In a 960x540 clip of a marathon crowd,
640 px tiles found boxes of 23 to 55 px and 384 px tiles boxes of 16 to 55 px,
with some faces of 39 to 46 px found only by the larger tiles.
"""

from __future__ import annotations

import cv2
import numpy as np
from mediapipe.python.solutions import face_detection

from vidswap.swap.face import Box

_FULL_RANGE_MODEL = 1
# A face narrower than the frame's longer side divided by this may be found
# only by the tiled search. The tiles find no face wider than that: on a
# 1876x2333 group photo the faces only they found were 79 and 100 px wide.
SMALL_FACE_DIVISOR = 8


class FaceDetector:
    """Find face boxes in BGR images. Not thread-safe: use one per thread."""

    def __init__(
        self,
        *,
        min_confidence: float = 0.5,
        tile_sizes: tuple[int, ...] = (640, 384),
        tile_overlap: float = 0.25,
    ) -> None:
        self._model = face_detection.FaceDetection(
            model_selection=_FULL_RANGE_MODEL, min_detection_confidence=min_confidence
        )
        self._tile_sizes = tile_sizes
        self._tile_overlap = tile_overlap

    def detect(
        self, bgr: np.ndarray, *, tiles: bool = True, largest_only: bool = False
    ) -> list[Box]:
        """Return face boxes, most confident first.

        With ``largest_only`` the caller needs the largest face only, so the
        tiles are skipped when the whole frame already shows a face too large
        for them to find: every face they could add would be smaller.
        """
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]

        boxes = self._detect_region(rgb, (0, 0, width, height))
        if largest_only and any(_large(box, width, height) for box in boxes):
            tiles = False
        tile_sizes = self._tile_sizes if tiles else ()
        for tile_size in tile_sizes:
            if max(height, width) <= tile_size * 1.2:
                continue
            for region in _tile_regions(width, height, tile_size, self._tile_overlap):
                boxes.extend(self._detect_region(rgb, region))

        return _suppress_overlaps(boxes)

    def close(self) -> None:
        self._model.close()

    def _detect_region(self, rgb: np.ndarray, region: tuple[int, int, int, int]) -> list[Box]:
        left, top, right, bottom = region
        crop = np.ascontiguousarray(rgb[top:bottom, left:right])
        width, height = right - left, bottom - top
        result = self._model.process(crop)

        boxes = []
        for detection in result.detections or []:
            relative = detection.location_data.relative_bounding_box
            boxes.append(
                Box(
                    left + relative.xmin * width,
                    top + relative.ymin * height,
                    relative.width * width,
                    relative.height * height,
                    float(detection.score[0]),
                )
            )
        return boxes


def _large(box: Box, width: int, height: int) -> bool:
    return box.width * SMALL_FACE_DIVISOR >= max(width, height)


def _tile_regions(
    width: int, height: int, tile: int, overlap: float
) -> list[tuple[int, int, int, int]]:
    step = max(1, int(tile * (1 - overlap)))
    regions = []
    for top in range(0, max(height - tile, 0) + step, step):
        for left in range(0, max(width - tile, 0) + step, step):
            regions.append((left, top, min(left + tile, width), min(top + tile, height)))
    return regions


def _suppress_overlaps(boxes: list[Box], threshold: float = 0.35) -> list[Box]:
    """Keep the most confident of each group of boxes that overlap by more than ``threshold``.

    A small box fully inside a larger one (a tile that saw only part of a face)
    also counts as an overlap.
    """
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: b.score, reverse=True):
        if all(box.iou(other) < threshold and _containment(box, other) < 0.7 for other in kept):
            kept.append(box)
    return kept


def _containment(inner: Box, outer: Box) -> float:
    left, top = max(inner.x, outer.x), max(inner.y, outer.y)
    right = min(inner.x + inner.width, outer.x + outer.width)
    bottom = min(inner.y + inner.height, outer.y + outer.height)
    overlap = max(0.0, right - left) * max(0.0, bottom - top)
    smaller = min(inner.area, outer.area)
    return overlap / smaller if smaller > 0 else 0.0
