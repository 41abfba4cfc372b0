"""The face check for uploaded photos, with one face analyser per process.

The analyser (BlazeFace plus the MediaPipe face mesh) is created on first use,
not at import, so processes that never receive a photo do not load it. It is
not thread-safe, so calls are serialised by a lock; callers run them in a
worker thread to keep the event loop free.
"""

from __future__ import annotations

import threading

import numpy as np

from vidswap.swap.analyser import FaceAnalyser

_lock = threading.Lock()
_analyser: FaceAnalyser | None = None


def count_faces(bgr: np.ndarray) -> int:
    """Return how many faces both the detector and the face mesh confirm in ``bgr``."""
    global _analyser
    with _lock:
        if _analyser is None:
            _analyser = FaceAnalyser()
        return len(_analyser.find_faces(bgr))
