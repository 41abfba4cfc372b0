"""FaceTracker on a real talking-head clip, with detector dropouts made by blacking out frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from tests.shared_media import shared_video
from vidswap.swap.analyser import FaceAnalyser, estimate_yaw_degrees
from vidswap.swap.media.video import VideoReader
from vidswap.swap.track import FaceTracker, TrackerSettings

FRAME_COUNT = 40
GAP_START = 12


@dataclass(frozen=True)
class TrackState:
    """What one tracker update returned: (track id, missed frames) per live track."""

    tracks: list[tuple[int, int]]


@pytest.fixture(scope="module")
def speaker_frames() -> list[tuple[np.ndarray, float]]:
    """The first frames of a clip where one man talks to the camera, with times in seconds."""
    frames = []
    with VideoReader(shared_video("obama-weekly-address-talking-720p-a.mp4")) as reader:
        for frame in reader:
            frames.append((frame.image, frame.seconds))
            if len(frames) == FRAME_COUNT:
                break
    return frames


def run_tracker(
    analyser: FaceAnalyser, frames: list[tuple[np.ndarray, float]], blacked_out: range
) -> list[TrackState]:
    tracker = FaceTracker(analyser)
    states = []
    for index, (image, seconds) in enumerate(frames):
        shown = np.zeros_like(image) if index in blacked_out else image
        tracks = tracker.update(shown, seconds)
        states.append(TrackState([(track.track_id, track.missed_frames) for track in tracks]))
    return states


def test_single_speaker_one_id(
    analyser: FaceAnalyser, speaker_frames: list[tuple[np.ndarray, float]]
) -> None:
    states = run_tracker(analyser, speaker_frames, range(0))

    assert all(len(state.tracks) == 1 for state in states), states
    assert {state.tracks[0][0] for state in states} == {1}
    assert [state.tracks[0][1] for state in states] == [0] * FRAME_COUNT


def test_short_gap_bridged(
    analyser: FaceAnalyser, speaker_frames: list[tuple[np.ndarray, float]]
) -> None:
    gap = range(GAP_START, GAP_START + 2)

    states = run_tracker(analyser, speaker_frames, gap)

    assert all(len(state.tracks) == 1 for state in states), states
    assert {state.tracks[0][0] for state in states} == {1}
    assert [states[index].tracks[0][1] for index in gap] == [1, 2]
    assert states[gap.stop].tracks[0][1] == 0
    assert states[-1].tracks[0][1] == 0


def test_long_gap_ends_track(
    analyser: FaceAnalyser, speaker_frames: list[tuple[np.ndarray, float]]
) -> None:
    max_gap = TrackerSettings().max_gap_frames
    gap = range(GAP_START, GAP_START + max_gap + 1)

    states = run_tracker(analyser, speaker_frames, gap)

    assert states[gap.start + max_gap - 1].tracks == [(1, max_gap)]
    assert states[gap.stop - 1].tracks == []
    assert states[gap.stop].tracks == [(2, 0)]
    assert {state.tracks[0][0] for state in states[gap.stop :]} == {2}


def test_head_turning_away_ends_track(analyser: FaceAnalyser) -> None:
    # From about 15.0 s the woman in this selfie clip turns her head away until
    # only her ear and cheek are in view.
    settings = TrackerSettings()
    tracker = FaceTracker(analyser, settings)
    yaws_by_track: dict[int, list[float]] = {}
    with VideoReader(shared_video("selfie-three-people-rotation-metadata-ccby.mp4")) as reader:
        for frame in reader:
            if frame.index < 440:
                continue
            for track in tracker.update(frame.image, frame.seconds):
                if track.visible:
                    yaws_by_track.setdefault(track.track_id, []).append(
                        estimate_yaw_degrees(track.face)
                    )
            if frame.index == 480:
                break
    tracker.close()

    all_yaws = [yaw for yaws in yaws_by_track.values() for yaw in yaws]
    assert all_yaws, "no face was tracked while the head turned"
    assert max(abs(yaw) for yaw in all_yaws) <= settings.max_yaw_degrees
    for yaws in yaws_by_track.values():
        steps = np.abs(np.diff(yaws))
        assert steps.max(initial=0.0) <= settings.max_yaw_step_degrees
