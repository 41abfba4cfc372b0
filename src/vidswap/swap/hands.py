"""Hands in front of a face: found with MediaPipe's hand landmarker and kept out of the swap.

A hand that passes over the face (a wave, a chin on a palm) belongs in front
of the swapped face, so the blend mask leaves the hand's pixels as they are.
The hand model runs on a square crop around each swapped face, scaled to
``crop_size`` pixels, so a hand near the face fills enough of the model's
input even when the face is small in the frame.

The palm detector costs about 10 ms per crop on this machine's CPU, so video
frames are not all searched: see ``stages.find_hands`` for the schedule.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from mediapipe.python.solutions import hands as mp_hands

from vidswap.swap.face import Box

# The 21 hand landmarks: 0 is the wrist; each finger is four points from its base.
_FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
_PALM = (0, 1, 2, 5, 9, 13, 17)
# Fractions of the palm's width (index base to little-finger base). A finger
# is about a quarter of it wide; the rest covers landmark error and motion blur.
_FINGER_WIDTH = 0.42
_MARGIN = 0.12
_FEATHER = 0.06
# A hand in front of a face spans at least this many face sizes (see _in_front_of).
_MIN_EXTENT = 0.9
# A stub of forearm beyond the wrist, in lengths of the palm (wrist to middle-finger base).
_FOREARM = 1.2


class HandFinder:
    """Find hands around a face box. Not thread-safe: use one per thread."""

    def __init__(
        self, *, crop_size: int = 320, crop_scale: float = 3.0, min_confidence: float = 0.5
    ) -> None:
        # One graph, in its image mode: each graph takes about 54 MiB. With two
        # hands allowed, the video mode's palm detector still runs on every frame
        # while fewer than two hands are tracked, so following one hand took 11 ms
        # against 14.
        self._model = mp_hands.Hands(
            static_image_mode=True,
            max_num_hands=2,
            model_complexity=0,
            min_detection_confidence=min_confidence,
        )
        self._crop_size = crop_size
        self._crop_scale = crop_scale

    def find(self, bgr: np.ndarray, face_box: Box) -> list[np.ndarray]:
        """Return each hand near ``face_box`` as 21 landmarks, float32 x, y in frame pixels."""
        center_x, center_y = face_box.center
        side = face_box.size * self._crop_scale
        scale = self._crop_size / side
        left, top = center_x - side / 2, center_y - side / 2
        image_to_crop = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]])
        crop = cv2.warpAffine(
            bgr,
            image_to_crop,
            (self._crop_size, self._crop_size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )

        result = self._model.process(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))

        found = []
        for hand in result.multi_hand_landmarks or []:
            normalised = np.array([(p.x, p.y) for p in hand.landmark], dtype=np.float32)
            points = normalised * np.float32(side) + np.float32([left, top])
            if _in_front_of(points, face_box):
                found.append(points)
        return found

    def close(self) -> None:
        self._model.close()


def _in_front_of(points: np.ndarray, face_box: Box) -> bool:
    """Tell a hand held in front of the face from the hand model's mistakes.

    On small or blurred faces the model sometimes finds a curled "hand" in the
    face itself: all of it inside the face box, smaller than the face. A hand
    nearer the camera than the face is at least about the face's size, and its
    wrist lies outside the face (below the chin, beside the cheek). On the test
    videos, every real hand over a face reached 1.08 face sizes or more, every
    mistake 0.79 or less. A fist held against the face is smaller, and is lost.
    """
    wrist_x, wrist_y = points[0]
    wrist_inside = (
        face_box.x <= wrist_x <= face_box.x + face_box.width
        and face_box.y <= wrist_y <= face_box.y + face_box.height
    )
    extent = float(np.ptp(points, axis=0).max())
    return not wrist_inside and extent >= _MIN_EXTENT * face_box.size


def hand_mask(
    hands: Sequence[np.ndarray], origin: tuple[int, int], shape: tuple[int, int]
) -> np.ndarray | None:
    """Draw ``hands`` into a float32 mask of ``shape`` whose pixel (0, 0) is frame pixel ``origin``.

    Returns None when no hand reaches the mask, so a frame whose hands are
    elsewhere costs nothing more.
    """
    if not hands:
        return None
    mask = np.zeros(shape, dtype=np.uint8)
    palm_widths = [_draw_hand(mask, hand - np.float32(origin)) for hand in hands]
    if not mask.any():
        return None

    sigma = max(max(palm_widths) * _FEATHER, 0.5)
    blurred = cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma)
    # The blur halves the mask at the drawn edge; doubling keeps the drawn hand at 1
    # and puts the whole fade outside it.
    return np.minimum(blurred.astype(np.float32) * np.float32(2.0 / 255.0), np.float32(1.0))


def _draw_hand(mask: np.ndarray, points: np.ndarray) -> float:
    """Draw one hand (palm and fingers, widened by the margin) and return its palm width."""
    palm_width = max(
        float(np.linalg.norm(points[5] - points[17])),
        float(np.linalg.norm(points[0] - points[9])) * 0.5,
        1.0,
    )
    finger_width = max(1, round(palm_width * (_FINGER_WIDTH + 2 * _MARGIN)))
    fixed = np.round(points * 16).astype(np.int32)

    palm = cv2.convexHull(fixed[list(_PALM)])
    cv2.fillConvexPoly(mask, palm, 255, lineType=cv2.LINE_AA, shift=4)
    cv2.polylines(mask, [palm], True, 255, finger_width, lineType=cv2.LINE_AA, shift=4)
    for finger in _FINGERS:
        joints = fixed[list(finger)]
        cv2.polylines(mask, [joints], False, 255, finger_width, lineType=cv2.LINE_AA, shift=4)

    elbow_side = points[0] + (points[0] - points[9]) * _FOREARM
    forearm = np.round(np.stack([points[0], elbow_side]) * 16).astype(np.int32)
    arm_width = max(1, round(palm_width * (1 + 2 * _MARGIN)))
    cv2.polylines(mask, [forearm], False, 255, arm_width, lineType=cv2.LINE_AA, shift=4)
    return palm_width
