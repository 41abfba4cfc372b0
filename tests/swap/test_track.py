"""FaceTracker on a real talking-head clip, with detector dropouts made by blacking out frames."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_video
from tests.swap.conftest import load_face_photo
from vidswap.swap.analyser import FaceAnalyser, estimate_yaw_degrees
from vidswap.swap.face import Face
from vidswap.swap.media.video import VideoReader
from vidswap.swap.options import FaceSelection
from vidswap.swap.select import FaceSelector
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


def test_focus_pauses_search_until_missed(
    analyser: FaceAnalyser, monkeypatch: pytest.MonkeyPatch
) -> None:
    searches: list[int] = []
    find_faces = analyser.find_faces

    def counted_find_faces(*args: object, **kwargs: object) -> list[Face]:
        searches.append(len(searches))
        return find_faces(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analyser, "find_faces", counted_find_faces)
    frames = []
    with VideoReader(shared_video("indoor-group-event-640x480-ccby.mp4")) as reader:
        for frame in reader:
            frames.append((frame.image, frame.seconds))
            if len(frames) == FRAME_COUNT:
                break
    tracker = FaceTracker(analyser)
    first = tracker.update(*frames[0])
    assert len(first) >= 2, "the group clip should show several faces in its first frame"
    focused = max(first, key=lambda track: track.face.box.area)

    tracker.focus_on(focused)
    searches.clear()
    focused_states = [tracker.update(image, seconds) for image, seconds in frames[1:GAP_START]]

    assert [[track.track_id for track in tracks] for tracks in focused_states] == [
        [focused.track_id]
    ] * (GAP_START - 1)
    assert searches == [], "the tracker searched for faces while the focused face was visible"

    # Blacking out the focused face makes the tracker miss it, so the search runs again.
    image, seconds = frames[GAP_START]
    hidden = image.copy()
    box = focused.face.box
    top, left = max(0, int(box.y - box.height)), max(0, int(box.x - box.width))
    hidden[top : int(box.y + 2 * box.height), left : int(box.x + 2 * box.width)] = 0
    tracks = tracker.update(hidden, seconds)
    tracker.focus_on(next(track for track in tracks if track.track_id == focused.track_id))
    tracker.close()

    assert searches, "the tracker did not search for faces after the focused face was missed"
    assert len(tracks) >= 2
    assert focused.track_id in [track.track_id for track in tracks]


def test_sudden_size_change_counts_as_miss(
    analyser: FaceAnalyser, speaker_frames: list[tuple[np.ndarray, float]]
) -> None:
    image, seconds = speaker_frames[0]
    tracker = FaceTracker(analyser, TrackerSettings(detect_every=1000))
    tracker.update(image, seconds)
    track = tracker.tracks[0]
    center_x, center_y = track.face.box.center
    # The same frame shrunk to half size around the face: the mesh finds a face
    # half as wide where the last one was, which no face does between two frames.
    shrink = np.float32([[0.5, 0, center_x / 2], [0, 0.5, center_y / 2]])
    halved = cv2.warpAffine(image, shrink, (image.shape[1], image.shape[0]))

    tracker.update(halved, seconds + 0.04)

    assert [t.track_id for t in tracker.tracks] == [track.track_id]
    assert track.missed_frames == 1
    assert not track.visible


def test_head_turned_half_way_followed(analyser: FaceAnalyser) -> None:
    # From frame 449 the woman with glasses and a helmet turns from about 30°
    # to about 60° at frame 468. The nose-offset yaw estimate read 90° from
    # frame 458, which ended her track while she was turned about 40°.
    settings = TrackerSettings()
    tracker = FaceTracker(analyser, settings)
    followed: dict[int, tuple[int, float]] = {}
    with VideoReader(shared_video("selfie-three-people-rotation-metadata-ccby.mp4")) as reader:
        for frame in reader:
            if frame.index < 440:
                continue
            for track in tracker.update(frame.image, frame.seconds):
                if track.visible and track.face.box.size > 150:
                    followed[frame.index] = (track.track_id, estimate_yaw_degrees(track.face))
            if frame.index == 468:
                break
    tracker.close()

    turning = range(449, 463)
    assert set(turning) <= set(followed)
    assert len({followed[index][0] for index in turning}) == 1
    assert max(abs(followed[index][1]) for index in turning) > 45
    assert max(abs(yaw) for _, yaw in followed.values()) <= settings.max_yaw_degrees
    # Past the limit her track ends, and a new one does not start while she is
    # turned further than new tracks may be: the detector's mesh read her at
    # 42° in frame 468.
    assert not set(range(464, 469)) & set(followed)


def test_face_cut_by_frame_edge_not_read_frontal(analyser: FaceAnalyser) -> None:
    # The man in the red cap walks out of the frame's right edge turned about
    # 50°. With his nose past the edge his mesh read 39°, then 3° (frames 200
    # to 202), and a frontal swap covered his profile and sunglasses.
    tracker = FaceTracker(analyser, largest_only=True)
    selector = FaceSelector(FaceSelection.LARGEST)
    chosen_at: dict[int, tuple[int, bool, float]] = {}
    with VideoReader(shared_video("hikers-walking-toward-camera-ccby.mp4")) as reader:
        for frame in reader:
            chosen = selector.choose(frame.image, tracker.update(frame.image, frame.seconds))
            if chosen:
                tracker.focus_on(chosen[0])
                track = chosen[0]
                mesh_right = float(track.face.landmarks[:468, 0].max())
                chosen_at[frame.index] = (track.track_id, track.visible, mesh_right)
            if frame.index == 202:
                break
    tracker.close()

    leaving, visible, mesh_right = chosen_at[200]
    assert visible
    assert mesh_right > 630
    assert chosen_at[201][:2] == (leaving, False)
    assert chosen_at[202][:2] == (leaving, False)


class RecordingAnalyser:
    """The real analyser, recording for each detection pass whether it searched tiles."""

    def __init__(self, analyser: FaceAnalyser) -> None:
        self._analyser = analyser
        self.tiled: list[bool] = []
        self.largest_only: list[bool] = []

    def find_faces(
        self, bgr: np.ndarray, *, tiles: bool = True, largest_only: bool = False, known: object = ()
    ) -> list[Face]:
        self.tiled.append(tiles)
        self.largest_only.append(largest_only)
        return self._analyser.find_faces(bgr, tiles=tiles, largest_only=largest_only, known=known)

    def locate(self, bgr: np.ndarray, box: object) -> Face | None:
        return self._analyser.locate(bgr, box)


def test_lost_small_face_searched_with_tiles(analyser: FaceAnalyser) -> None:
    # The marathon runners' faces are 15 to 50 pixels wide in a 960x540 frame,
    # too small for the detector on the whole frame. The followed mesh loses
    # some of them every few frames.
    recording = RecordingAnalyser(analyser)
    tracker = FaceTracker(recording, TrackerSettings())  # type: ignore[arg-type]
    face_frames = 0
    with VideoReader(shared_video("marathon-crowd-small-faces-pd.mkv")) as reader:
        for frame in reader:
            face_frames += sum(
                track.visible for track in tracker.update(frame.image, 0.04 * frame.index)
            )
            if frame.index == 71:
                break
    tracker.close()

    settings = TrackerSettings()
    scheduled = settings.detect_every * settings.tiles_every
    passes = len(recording.tiled)
    # Detection passes run every 4 frames; on its own schedule, every sixth searches tiles.
    assert passes == 72 // settings.detect_every
    assert sum(recording.tiled) > -(-72 // scheduled)
    # Out of their turn, tiles are searched at most every second pass (every 8 frames).
    tiled_passes = [index for index, tiled in enumerate(recording.tiled) if tiled]
    for earlier, later in itertools.pairwise(tiled_passes):
        assert later % settings.tiles_every == 0 or later - earlier >= 2
    # Tiled detection only every 24 frames followed 290 faces over these frames.
    assert face_frames > 340


def test_largest_only_tracker_asks_for_the_largest_face(analyser: FaceAnalyser) -> None:
    recording = RecordingAnalyser(analyser)
    tracker = FaceTracker(recording, largest_only=True)  # type: ignore[arg-type]
    everyone = RecordingAnalyser(analyser)
    all_faces = FaceTracker(everyone)  # type: ignore[arg-type]
    image = load_face_photo("obama-and-biden-two-faces.jpg")

    tracks = tracker.update(image, 0.0)
    all_faces.update(image, 0.0)
    tracker.close()
    all_faces.close()

    assert recording.tiled == [True]
    assert recording.largest_only == [True]
    assert everyone.largest_only == [False]
    assert len(tracks) == 2
