"""The analyse stage's gap check: bridged targets stay only when their face comes back."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from vidswap.swap.face import Box
from vidswap.swap.media.frames import VideoFrame
from vidswap.swap.stages import AnalysedFrame, _confirm_gaps, face_motion, find_hands


def mesh_at(left: float, top: float, size: float = 100.0) -> np.ndarray:
    """A stand-in mesh: 478 points spread over a square face box."""
    points = np.zeros((478, 3), np.float32)
    points[:, 0] = left + np.linspace(0, size, 478)
    points[:, 1] = top + np.linspace(0, size, 478)[::-1]
    return points


MESH = mesh_at(100, 100)


def analysed(index: int, seen: dict[int, bool]) -> AnalysedFrame:
    """A frame whose targets are the tracks in ``seen``, found (True) or bridged (False),
    all at MESH."""
    frame = VideoFrame(
        image=np.zeros((4, 4, 3), np.uint8), pts=index, time_base=Fraction(1, 25), index=index
    )
    return AnalysedFrame(
        frame=frame,
        targets=[MESH for _ in seen],
        target_ids=list(seen),
        seen_targets=[MESH if found else None for found in seen.values()],
        track_ids=list(seen),
        visible_ids={track_id for track_id, found in seen.items() if found},
        visible_boxes={track_id: Box.around(MESH) for track_id, found in seen.items() if found},
    )


def confirmed(frames: list[AnalysedFrame], horizon: int) -> list[AnalysedFrame]:
    """Run the gap check after a frame where frame 0's tracks were already seen.

    Without it, a track first seen in frame 0 and missed in the next frames
    would count as a detector mistake seen in one frame only.
    """
    first = frames[0]
    history = analysed(-1, dict.fromkeys(first.target_ids, True))
    history.visible_ids = set(first.visible_ids) | set(first.target_ids)
    return list(_confirm_gaps([history, *frames], horizon))[1:]


def test_gap_that_closes_kept() -> None:
    frames = [
        analysed(0, {1: True}),
        analysed(1, {1: False}),
        analysed(2, {1: False}),
        analysed(3, {1: True}),
    ]

    out = confirmed(frames, horizon=2)

    assert [item.target_ids for item in out] == [[1], [1], [1], [1]]


def test_gap_never_closed_dropped() -> None:
    # Track 1 leaves the picture after frame 0; track 2 stays in view elsewhere.
    frames = [analysed(index, {1: index == 0, 2: True}) for index in range(5)]
    elsewhere = mesh_at(400, 100)
    for item in frames:
        item.targets[1] = item.seen_targets[1] = elsewhere
        item.visible_boxes[2] = Box.around(elsewhere)

    out = confirmed(frames, horizon=3)

    assert [item.frame.index for item in out] == [0, 1, 2, 3, 4]
    assert [item.target_ids for item in out] == [[1, 2], [2], [2], [2], [2]]
    assert all(len(item.seen_targets) == len(item.targets) == 1 for item in out[1:])


def test_return_beyond_horizon_dropped() -> None:
    frames = [
        analysed(0, {1: True}),
        *(analysed(i, {1: False}) for i in range(1, 4)),
        analysed(4, {1: True}),
    ]

    out = confirmed(frames, horizon=2)

    # Frame 1 is checked against frames 2 and 3 only, frames 2 and 3 against the return.
    assert [item.target_ids for item in out] == [[1], [], [1], [1], [1]]


def test_found_again_as_new_track_kept() -> None:
    frames = [analysed(0, {1: True}), analysed(1, {1: False}), analysed(2, {})]
    # The detector finds the face again where it was, under a new track id.
    frames[2].visible_ids = {7}
    frames[2].visible_boxes = {7: Box.around(mesh_at(110, 105))}

    out = confirmed(frames, horizon=3)

    assert [item.target_ids for item in out] == [[1], [1], []]


def test_track_seen_once_dropped() -> None:
    # Track 7 is the detector's mistake in frame 2; track 1 is a real face.
    frames = [
        analysed(index, {1: True, 7: True} if index == 2 else {1: True}) for index in range(6)
    ]
    elsewhere = mesh_at(400, 100)
    frames[2].targets[1] = frames[2].seen_targets[1] = elsewhere
    frames[2].visible_boxes = {1: Box.around(MESH), 7: Box.around(elsewhere)}

    out = confirmed(frames, horizon=3)

    assert [item.target_ids for item in out] == [[1]] * 6


def test_track_seen_once_kept_without_later_frames() -> None:
    # A one-frame video, or a face that shows up in the last frame: nothing can confirm it.
    single = list(_confirm_gaps([analysed(0, {1: True})], horizon=3))
    last = confirmed([analysed(0, {1: True}), analysed(1, {1: True, 7: True})], horizon=3)

    assert [item.target_ids for item in single] == [[1]]
    assert [item.target_ids for item in last] == [[1], [1, 7]]


def test_track_seen_twice_kept() -> None:
    frames = [
        analysed(index, {1: True, 7: True} if index in (2, 4) else {1: True}) for index in range(6)
    ]

    out = confirmed(frames, horizon=3)

    assert [item.target_ids for item in out] == [[1], [1], [1, 7], [1], [1, 7], [1]]


def test_next_person_swapped_while_last_bridged() -> None:
    # Track 1 leaves after frame 0 and is bridged in 1 to 3; track 2 is in view
    # from frame 1 and chosen once track 1 has ended, in frame 4.
    frames = [
        analysed(0, {1: True}),
        *(analysed(index, {1: False}) for index in (1, 2, 3)),
        analysed(4, {2: True}),
        analysed(5, {2: True}),
    ]
    elsewhere = mesh_at(300, 100)
    for item in frames[1:4]:
        item.standby = {2: (elsewhere, elsewhere)}
        item.visible_ids = {2}
        item.visible_boxes = {2: Box.around(elsewhere)}
    for item in frames[4:]:
        item.targets = [elsewhere]
        item.seen_targets = [elsewhere]
        item.visible_boxes = {2: Box.around(elsewhere)}

    out = confirmed(frames, horizon=3)

    assert [item.target_ids for item in out] == [[1], [2], [2], [2], [2], [2]]
    assert all(item.seen_targets[0] is not None for item in out[1:4])
    assert np.array_equal(out[1].targets[0], elsewhere)


def test_bridged_landmarks_move_towards_return() -> None:
    # Track 1 is missed in frames 1 to 3 and seen again 40 px to the right in frame 4.
    moved = mesh_at(140, 100)
    frames = [
        analysed(0, {1: True}),
        *(analysed(index, {1: False}) for index in (1, 2, 3)),
        analysed(4, {1: True}),
    ]
    frames[4].targets = [moved]
    frames[4].seen_targets = [moved]

    out = confirmed(frames, horizon=4)

    shifts = [float((item.targets[0][:, 0] - MESH[:, 0]).mean()) for item in out]
    assert shifts == pytest.approx([0.0, 10.0, 20.0, 30.0, 40.0])


def test_face_found_again_nearby_replaces_carried() -> None:
    # Track 1 is lost in frame 1; the detector finds the face 60 px on (too far
    # for the boxes to overlap by 0.3) as track 5, which frame 2 chooses.
    moved = mesh_at(160, 100)
    frames = [analysed(0, {1: True}), analysed(1, {1: False}), analysed(2, {5: True})]
    frames[1].standby = {5: (moved, moved)}
    frames[1].visible_ids = {5}
    frames[1].visible_boxes = {5: Box.around(moved)}
    frames[2].targets = [moved]
    frames[2].seen_targets = [moved]
    frames[2].visible_boxes = {5: Box.around(moved)}

    out = confirmed(frames, horizon=2)

    assert Box.around(MESH).iou(Box.around(moved)) < 0.3
    assert [item.target_ids for item in out] == [[1], [5], [5]]
    assert np.array_equal(out[1].targets[0], moved)


class RecordingFinder:
    """A hand finder that reports a hand in the frames listed, and records each search.

    It replaces HandFinder in tests of the search schedule, which decides only
    which frames get searched. tests/swap/test_hands.py runs the real model.
    """

    def __init__(self, hand_frames: set[int]) -> None:
        self.hand_frames = hand_frames
        self.searches: list[tuple[int, bool]] = []

    def find(self, image: np.ndarray, face_box: Box) -> list[np.ndarray]:
        index = int(image[0, 0, 0])
        self.searches.append(index)
        return [np.full((21, 2), index, np.float32)] if index in self.hand_frames else []


def numbered(index: int, seen: dict[int, bool]) -> AnalysedFrame:
    """``analysed`` with the frame index written into the image, for RecordingFinder."""
    item = analysed(index, seen)
    item.frame.image[:] = index
    return item


def test_hands_searched_every_few_frames_and_back() -> None:
    frames = [numbered(index, {1: True}) for index in range(16)]
    finder = RecordingFinder(hand_frames={5, 6, 7, 8, 9})

    out = list(find_hands(frames, finder, search_every=4))  # type: ignore[arg-type]

    assert [item.frame.index for item in out] == list(range(16))
    assert [item.frame.index for item in out if item.hands] == [5, 6, 7, 8, 9]
    assert finder.searches == [
        3,  # every 4th frame: none
        7,  # found: search back to the first frame without
        6,
        5,
        4,
        8,  # every frame until the hand has gone
        9,
        10,
        14,  # every 4th frame again
    ]


def test_hands_search_restarts_after_faceless_frame() -> None:
    frames = [numbered(index, {1: True} if index != 2 else {}) for index in range(8)]
    finder = RecordingFinder(hand_frames={1, 4})

    out = list(find_hands(frames, finder, search_every=2))  # type: ignore[arg-type]

    assert [item.frame.index for item in out] == list(range(8))
    assert [item.frame.index for item in out if item.hands] == [1, 4]
    # Frame 2 has no face to search around. It ends the search for frame 1's
    # hand in every frame, and the count of frames since a search starts again.
    assert finder.searches == [1, 0, 4, 3, 5, 7]


def test_several_targets_searched_each() -> None:
    frames = [numbered(index, {1: True, 2: True}) for index in range(4)]
    finder = RecordingFinder(hand_frames={1, 2})

    out = list(find_hands(frames, finder, search_every=2))  # type: ignore[arg-type]

    assert [len(item.hands) for item in out] == [0, 2, 2, 0]
    assert finder.searches == [1, 1, 0, 0, 2, 2, 3, 3]


def test_face_motion_averages_steps_either_side() -> None:
    before, here, after = analysed(0, {1: True}), analysed(1, {1: True}), analysed(2, {1: True})
    before.targets = [mesh_at(96, 100)]
    here.targets = [mesh_at(100, 102)]
    after.targets = [mesh_at(110, 104)]

    motion = face_motion(1, here.targets[0], before, after)

    assert motion == pytest.approx((7.0, 2.0), abs=1e-3)


def test_face_motion_from_one_side_or_none() -> None:
    here = analysed(1, {1: True})
    after = analysed(2, {1: True, 2: True})
    after.targets = [mesh_at(103, 96), MESH]

    assert face_motion(1, MESH, None, after) == pytest.approx((3.0, -4.0), abs=1e-3)
    # Track 2 is not in the frame before, nor track 3 in either.
    assert face_motion(2, MESH, here, after) == pytest.approx((0.0, 0.0), abs=1e-3)
    assert face_motion(3, MESH, here, after) == (0.0, 0.0)


def test_other_person_arriving_is_not_a_comeback() -> None:
    # Track 1 leaves after frame 0. Track 7, another person, comes in far
    # away in frame 1 and walks through where track 1 was by frame 3.
    frames = [
        analysed(0, {1: True}),
        *(analysed(index, {1: False, 7: True}) for index in (1, 2, 3)),
    ]
    for item, left in zip(frames[1:], (400, 250, 110), strict=True):
        arriving = mesh_at(left, 100)
        item.targets[1] = item.seen_targets[1] = arriving
        item.visible_boxes = {7: Box.around(arriving)}

    out = confirmed(frames, horizon=3)

    assert Box.around(MESH).iou(Box.around(mesh_at(110, 100))) > 0.3
    assert [item.target_ids for item in out] == [[1], [7], [7], [7]]
