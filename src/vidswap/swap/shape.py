"""Face shape transfer: the swapped face takes the source person's proportions.

The texture warp alone keeps the target's geometry: eye spacing, nose length
and width, where the mouth sits. Those proportions are a large part of what
makes a face look like a person, so the target's mesh is moved towards the
source's shape before the warp, while its pose and expression stay.

Per frame, a 3D similarity transform (scale, rotation, shift) aligns the
source mesh to the target mesh. In that aligned frame, the target's neutral
shape is the running mean of its meshes over the track (expressions average
out), and the source's shape minus that mean is the identity offset. It is
rotated into the frame's pose and added to the target's mesh, weighted to
zero at the face outline so the blend edge still meets the target's skin.

The eye openings and the inside of the mouth are holes in the mesh that show
the target's own pixels. Each opening and the points around it move as one
block (one shift, no change of shape), so the target's blinks and speech are
kept exactly. The swapper moves the target's pixels inside each opening by
that shift plus the lag of the tracker's smoothing, so what shows through the
openings moves with the pasted face.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from vidswap.swap.topology import (
    FACE_OVAL,
    INNER_LIPS,
    LEFT_EYE,
    MESH_POINT_COUNT,
    OUTER_LIPS,
    RIGHT_EYE,
)

# The weight rises from 0 at the outline to 1 this far inside it, as a
# fraction of the face size.
_OUTLINE_FALLOFF = 0.18
# The running mean of the target's shape weighs about this many recent frames.
_MEAN_FRAMES = 60
# The offset applies in full up to the first angle between the source's and the
# target's head pose, and fades to nothing at the second. The offset turns with
# the mesh's depth, which is least reliable on a turned head.
_FULL_SHAPE_DEGREES = 30.0
_NO_SHAPE_DEGREES = 60.0
# Points this close to an eye's ring (a fraction of the face size) move with the eye.
_EYE_BLOCK_MARGIN = 0.02

# The openings the target shows through, in the order of ``ShapedFace.opening_shifts``.
OPENINGS = (LEFT_EYE, RIGHT_EYE, INNER_LIPS)


@dataclass(frozen=True)
class ShapedFace:
    """Target landmarks moved towards the source's shape, and the shift of each opening.

    ``opening_shifts`` has one x, y shift in pixels per ring of ``OPENINGS``.
    """

    landmarks: np.ndarray
    opening_shifts: np.ndarray


@dataclass(frozen=True)
class Similarity:
    """``scale * rotation @ point + shift`` for 3D points in rows."""

    scale: float
    rotation: np.ndarray
    shift: np.ndarray

    def apply(self, points: np.ndarray) -> np.ndarray:
        return self.scale * points @ self.rotation.T + self.shift

    def invert(self, points: np.ndarray) -> np.ndarray:
        return (points - self.shift) @ self.rotation / self.scale


def fit_similarity(source: np.ndarray, target: np.ndarray) -> Similarity:
    """Least-squares similarity from ``source`` to ``target`` points (Umeyama's method)."""
    source_mean = source.mean(axis=0)
    target_mean = target.mean(axis=0)
    source_centred = source - source_mean
    target_centred = target - target_mean
    covariance = target_centred.T @ source_centred / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    reflection = np.ones(3)
    if np.linalg.det(u @ vt) < 0:
        reflection[2] = -1.0
    rotation = u @ np.diag(reflection) @ vt
    variance = float((source_centred**2).sum() / len(source))
    scale = float((singular * reflection).sum() / max(variance, 1e-9))
    shift = target_mean - scale * rotation @ source_mean
    return Similarity(scale, rotation, shift)


def outline_weights(points: np.ndarray) -> np.ndarray:
    """Per mesh point, 0 on the face outline rising to 1 well inside it."""
    flat = points[:MESH_POINT_COUNT, :2]
    size = float(np.ptp(flat, axis=0).max())
    oval = flat[FACE_OVAL]
    distances = np.linalg.norm(flat[:, None, :] - oval[None, :, :], axis=2).min(axis=1)
    ramp = np.clip(distances / max(size * _OUTLINE_FALLOFF, 1e-6), 0.0, 1.0)
    return (ramp * ramp * (3.0 - 2.0 * ramp)).astype(np.float32)


def _pose_share(rotation: np.ndarray) -> float:
    """Return the share of the offset that applies at this source-to-target rotation."""
    cosine = (float(np.trace(rotation)) - 1.0) / 2.0
    degrees = float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
    share = (_NO_SHAPE_DEGREES - degrees) / (_NO_SHAPE_DEGREES - _FULL_SHAPE_DEGREES)
    return float(np.clip(share, 0.0, 1.0))


def opening_blocks(points: np.ndarray) -> list[np.ndarray]:
    """Per ring of ``OPENINGS``, the mesh points that move with that opening as one block.

    An eye's block is its ring and the points within a small margin of it. The
    mouth's is every point on or inside the outer lip line, so the lips keep
    their shape around the opening.
    """
    flat = points[:MESH_POINT_COUNT, :2].astype(np.float32)
    margin = float(np.ptp(flat, axis=0).max()) * _EYE_BLOCK_MARGIN
    eyes = [_points_near(flat, flat[ring], margin) for ring in (LEFT_EYE, RIGHT_EYE)]
    mouth = _points_near(flat, flat[OUTER_LIPS], 0.0)
    return [*eyes, mouth]


def _points_near(flat: np.ndarray, polygon: np.ndarray, margin: float) -> np.ndarray:
    contour = polygon.reshape(-1, 1, 2)
    inside = [
        cv2.pointPolygonTest(contour, (float(x), float(y)), True) >= -margin - 1e-3 for x, y in flat
    ]
    return np.flatnonzero(inside)


@dataclass
class FaceShaper:
    """Moves one target track's meshes towards one source face's shape.

    ``strength`` is how far: 0 keeps the target's shape, 1 takes the source's.
    """

    source_landmarks: np.ndarray
    strength: float = 1.0
    weights: np.ndarray = field(init=False)
    blocks: list[np.ndarray] = field(init=False)
    _target_mean: np.ndarray | None = field(default=None, init=False)
    _frames: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.source_landmarks = self.source_landmarks[:MESH_POINT_COUNT].astype(np.float64)
        self.weights = outline_weights(self.source_landmarks) * self.strength
        self.blocks = opening_blocks(self.source_landmarks)

    def shape(
        self, target_landmarks: np.ndarray, seen_landmarks: np.ndarray | None = None
    ) -> ShapedFace:
        """Move the mesh of ``target_landmarks`` (478x3) towards the source's shape.

        ``target_landmarks`` are the tracker's smoothed landmarks, which place
        the pasted face. ``seen_landmarks``, the mesh as found in this frame,
        adds the smoothing's lag to each opening's shift, so the target's eyes
        and mouth seen through the openings move with the pasted face.
        """
        target = target_landmarks[:MESH_POINT_COUNT].astype(np.float64)
        similarity = fit_similarity(self.source_landmarks, target)

        aligned_target = similarity.invert(target)
        self._remember(aligned_target)

        assert self._target_mean is not None
        offset = (self.source_landmarks - self._target_mean) * self.weights[:, None]
        offset *= _pose_share(similarity.rotation)
        shift = similarity.scale * offset @ similarity.rotation.T
        for block in self.blocks:
            shift[block] = shift[block].mean(axis=0)

        shaped = target_landmarks.astype(np.float32, copy=True)
        shaped[:MESH_POINT_COUNT, :2] = (target + shift)[:, :2]
        opening_shifts = np.array([shift[block[0], :2] for block in self.blocks], np.float32)
        if seen_landmarks is not None:
            lag = target[:, :2] - seen_landmarks[:MESH_POINT_COUNT, :2]
            opening_shifts += np.array([lag[block].mean(axis=0) for block in self.blocks])
        return ShapedFace(shaped, opening_shifts)

    def _remember(self, aligned_target: np.ndarray) -> None:
        self._frames = min(self._frames + 1, _MEAN_FRAMES)
        if self._target_mean is None:
            self._target_mean = aligned_target
            return
        self._target_mean += (aligned_target - self._target_mean) / self._frames
