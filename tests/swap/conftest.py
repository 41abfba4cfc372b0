from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.identity import IdentityEncoder


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
