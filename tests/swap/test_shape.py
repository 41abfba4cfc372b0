"""Shape transfer: the target's mesh takes the source's proportions, keeping pose and expression."""

from __future__ import annotations

import numpy as np
import pytest

from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.shape import OPENINGS, FaceShaper, fit_similarity, opening_blocks
from vidswap.swap.topology import FACE_OVAL, INNER_LIPS, LEFT_EYE, MESH_POINT_COUNT


@pytest.fixture(scope="module")
def faces(analyser: FaceAnalyser) -> dict[str, np.ndarray]:
    """478x3 landmarks of a source and a target portrait of different people."""
    source = analyser.find_faces(load_face_photo("eileen-collins-astronaut-nasa.png"))[0]
    target = analyser.find_faces(load_face_photo("obama-official-portrait-2012.jpg"))[0]
    return {"source": source.landmarks, "target": target.landmarks}


def rotation_about(axis: np.ndarray, degrees: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    angle = np.radians(degrees)
    cross = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross


def test_fit_similarity_recovers_a_known_transform() -> None:
    points = np.random.default_rng(7).normal(size=(50, 3)) * 40
    rotation = rotation_about(np.array([0.3, 1.0, 0.2]), 25)
    moved = 1.7 * points @ rotation.T + np.array([300.0, 120.0, -5.0])

    similarity = fit_similarity(points, moved)

    assert similarity.scale == pytest.approx(1.7, rel=1e-9)
    np.testing.assert_allclose(similarity.rotation, rotation, atol=1e-9)
    np.testing.assert_allclose(similarity.apply(points), moved, atol=1e-6)
    np.testing.assert_allclose(similarity.invert(moved), points, atol=1e-6)


def test_same_shape_moves_nothing(faces: dict[str, np.ndarray]) -> None:
    target = faces["target"]
    shaper = FaceShaper(target)

    shaped = shaper.shape(target)

    np.testing.assert_allclose(shaped.landmarks, target, atol=1e-3)
    np.testing.assert_allclose(shaped.opening_shifts, 0.0, atol=1e-3)


def test_inside_points_take_the_sources_shape(faces: dict[str, np.ndarray]) -> None:
    """On a single frame, points well inside the outline land on the source mesh fitted to the target."""
    source, target = faces["source"], faces["target"]
    shaper = FaceShaper(source)
    inside = np.setdiff1d(np.flatnonzero(shaper.weights > 0.999), np.concatenate(shaper.blocks))
    source_mesh = source[:MESH_POINT_COUNT].astype(np.float64)
    fitted = fit_similarity(source_mesh, target[:MESH_POINT_COUNT].astype(np.float64))
    source_on_target = fitted.apply(source_mesh)[inside, :2]

    shaped = shaper.shape(target).landmarks

    def distance(points: np.ndarray) -> float:
        return float(np.linalg.norm(points - source_on_target, axis=1).mean())

    assert len(inside) > 100
    assert distance(target[inside, :2]) > 1.0
    assert distance(shaped[inside, :2]) < 0.01


def test_outline_and_depth_stay_the_targets(faces: dict[str, np.ndarray]) -> None:
    target = faces["target"]

    shaped = FaceShaper(faces["source"]).shape(target).landmarks

    np.testing.assert_allclose(shaped[FACE_OVAL], target[FACE_OVAL], atol=1e-3)
    np.testing.assert_array_equal(shaped[:, 2], target[:, 2])
    np.testing.assert_array_equal(shaped[MESH_POINT_COUNT:], target[MESH_POINT_COUNT:])


def test_openings_move_as_one_block(faces: dict[str, np.ndarray]) -> None:
    target = faces["target"]

    shaped = FaceShaper(faces["source"]).shape(target)

    for ring, shift in zip(OPENINGS, shaped.opening_shifts, strict=True):
        moved = shaped.landmarks[ring, :2] - target[ring, :2]
        np.testing.assert_allclose(moved, np.broadcast_to(shift, moved.shape), atol=1e-3)
    assert np.abs(shaped.opening_shifts).max() > 1.0


def test_mouth_block_holds_the_whole_lips(faces: dict[str, np.ndarray]) -> None:
    blocks = opening_blocks(faces["source"])

    assert set(INNER_LIPS.tolist()) <= set(blocks[2].tolist())
    assert set(LEFT_EYE.tolist()) <= set(blocks[0].tolist())
    assert not set(blocks[0].tolist()) & set(blocks[1].tolist())
    assert not set(FACE_OVAL.tolist()) & set(np.concatenate(blocks).tolist())


def test_expression_change_is_kept(faces: dict[str, np.ndarray]) -> None:
    """After the neutral mean has settled, an opening mouth opens as far in the output."""
    target = faces["target"]
    shaper = FaceShaper(faces["source"])
    for _ in range(30):
        closed = shaper.shape(target).landmarks
    lower_lip = INNER_LIPS[target[INNER_LIPS, 1] > target[INNER_LIPS, 1].mean()]
    opened_target = target.copy()
    opened_target[lower_lip, 1] += 12.0

    opened = shaper.shape(opened_target).landmarks

    def gap(landmarks: np.ndarray) -> float:
        lips = landmarks[INNER_LIPS, 1]
        return float(lips[np.isin(INNER_LIPS, lower_lip)].mean() - lips.mean())

    assert gap(opened) - gap(closed) == pytest.approx(gap(opened_target) - gap(target), abs=0.5)


def test_far_turned_head_keeps_its_shape(faces: dict[str, np.ndarray]) -> None:
    """Rotated 70° away from the source's pose, the target mesh is left as it is."""
    target = faces["target"].astype(np.float64)
    centre = target[:MESH_POINT_COUNT].mean(axis=0)
    turned = (target - centre) @ rotation_about(np.array([0.0, 1.0, 0.0]), 70).T + centre
    shaper = FaceShaper(faces["source"])

    shaped = shaper.shape(turned.astype(np.float32))

    np.testing.assert_allclose(shaped.landmarks, turned, atol=1e-3)
    assert shaper.shape(faces["target"]).opening_shifts.any()


def test_openings_follow_the_smoothing_lag(faces: dict[str, np.ndarray]) -> None:
    """Seen 3 px right of and 2 px above the smoothed mesh, the openings' pixels move back by that."""
    target = faces["target"]
    seen = target.copy()
    seen[:, :2] += np.array([3.0, -2.0], dtype=np.float32)

    without_lag = FaceShaper(faces["source"]).shape(target)
    with_lag = FaceShaper(faces["source"]).shape(target, seen)

    np.testing.assert_allclose(
        with_lag.opening_shifts - without_lag.opening_shifts,
        np.tile([-3.0, 2.0], (len(OPENINGS), 1)),
        atol=1e-4,
    )
    np.testing.assert_array_equal(with_lag.landmarks, without_lag.landmarks)
