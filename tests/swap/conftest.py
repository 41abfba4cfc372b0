from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.identity import IdentityEncoder
from vidswap.swap.media.images import read_picture
from vidswap.swap.options import LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine


@pytest.fixture(scope="session")
def analyser() -> Iterator[FaceAnalyser]:
    face_analyser = FaceAnalyser()
    yield face_analyser
    face_analyser.close()


@pytest.fixture(scope="session")
def encoder() -> IdentityEncoder:
    return IdentityEncoder()


def load_face_photo(name: str) -> np.ndarray:
    image = cv2.imread(str(shared_face(name)))
    assert image is not None, name
    return image


def swap_photo(face: str, target: Path, output: Path) -> np.ndarray:
    """Return ``target`` with the shared face photo ``face`` swapped in, without the visible mark."""
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    try:
        engine.swap_file(shared_face(face), target, output)
    finally:
        engine.close()
    return read_picture(output).bgr
