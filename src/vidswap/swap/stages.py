"""The per-frame stages of a video swap, as generators that ``run_ahead`` can thread.

    decode → analyse (track, select, find hands) → swap (warp, blend, label) → encode

Tracking must see frames in order, so it is one stage. Swapping a frame needs
only that frame, its landmarks and its hands, so it runs one frame behind in its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from vidswap.swap.face import Box
from vidswap.swap.hands import HandFinder
from vidswap.swap.media.video import VideoFrame
from vidswap.swap.motion import MotionBlur
from vidswap.swap.select import FaceSelector
from vidswap.swap.shape import FaceShaper
from vidswap.swap.source import SourceFace
from vidswap.swap.swapper import swap_face
from vidswap.swap.track import FaceTracker

# A face found this much overlapping a bridged track's last box is taken for
# the same person, found again under a new track.
_SAME_PLACE_IOU = 0.3
# Or its centre lies within this many face sizes, at a size within this factor.
_SAME_PLACE_DISTANCE = 0.75
_SAME_PLACE_SIZE_STEP = 1.5


@dataclass
class AnalysedFrame:
    """A target frame with the landmarks of the faces that get the source face.

    ``target_ids`` are the track ids of ``targets``; ``track_ids`` those of all live tracks.
    """

    frame: VideoFrame
    targets: list[np.ndarray] = field(default_factory=list)
    target_ids: list[int] = field(default_factory=list)
    # Per target, the mesh as found in this frame before smoothing; None while
    # the track bridges a gap with its last landmarks.
    seen_targets: list[np.ndarray | None] = field(default_factory=list)
    track_ids: list[int] = field(default_factory=list)
    # The tracks whose face was found in this frame (not bridging a gap), and
    # where: a face that comes back may do so under a new track.
    visible_ids: set[int] = field(default_factory=set)
    visible_boxes: dict[int, Box] = field(default_factory=dict)
    # Hands near the targets, 21 landmarks each in frame pixels: the swap leaves them in front.
    hands: list[np.ndarray] = field(default_factory=list)
    # The visible tracks that were not chosen, by track id: smoothed and seen
    # landmarks. A later frame may choose one of them (see _hand_over).
    standby: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # How many targets the swap drew; a target hidden behind an object is left as it is.
    faces_swapped: int = 0

    def drop_target(self, position: int) -> None:
        del self.targets[position]
        del self.target_ids[position]
        del self.seen_targets[position]

    def add_target(self, track_id: int) -> None:
        smoothed, seen = self.standby.pop(track_id)
        self.targets.append(smoothed)
        self.target_ids.append(track_id)
        self.seen_targets.append(seen)


def analyse_frames(
    frames: Iterator[VideoFrame],
    tracker: FaceTracker,
    selector: FaceSelector,
    hand_finder: HandFinder | None = None,
) -> Iterator[AnalysedFrame]:
    with _closing_upstream(frames):
        horizon = tracker.settings.max_gap_frames
        analysed = _confirm_gaps(_analyse(frames, tracker, selector), horizon)
        if hand_finder is not None:
            analysed = find_hands(analysed, hand_finder)
        yield from analysed


def find_hands(
    analysed: Iterable[AnalysedFrame], finder: HandFinder, search_every: int = 8
) -> Iterator[AnalysedFrame]:
    """Fill in the hands near each frame's targets, searching only some frames.

    The hand search costs about 10 ms a face, so while no hand is near, only
    every ``search_every``-th frame with targets is searched, and the frames
    since the last search wait. When a search finds a hand, the waiting frames
    are searched from the newest back until one has none, so a hand that came
    in between is kept from its first frame. After that, every frame is
    searched until the hand has gone.
    """
    waiting: deque[AnalysedFrame] = deque()
    following = False
    for item in analysed:
        if not item.targets:
            following = False
            yield from _drain(waiting)
            yield item
            continue

        waiting.append(item)
        if not following and len(waiting) < search_every:
            continue

        item.hands = _hands_near_targets(item, finder)
        following = bool(item.hands)
        if following:
            _search_back(waiting, finder)
        yield from _drain(waiting)
    yield from _drain(waiting)


def _search_back(waiting: deque[AnalysedFrame], finder: HandFinder) -> None:
    """Search the frames before the newest, newest first, until one has no hand."""
    for position in reversed(range(len(waiting) - 1)):
        earlier = waiting[position]
        earlier.hands = _hands_near_targets(earlier, finder)
        if not earlier.hands:
            return


def _hands_near_targets(item: AnalysedFrame, finder: HandFinder) -> list[np.ndarray]:
    found: list[np.ndarray] = []
    for landmarks in item.targets:
        box = Box.around(landmarks[:468, :2])
        found.extend(finder.find(item.frame.image, box))
    return found


def _drain(waiting: deque[AnalysedFrame]) -> Iterator[AnalysedFrame]:
    while waiting:
        yield waiting.popleft()


def swap_frames(
    analysed: Iterator[AnalysedFrame],
    source_face: SourceFace,
    label: Callable[[np.ndarray], object],
    shape_transfer: float,
) -> Iterator[AnalysedFrame]:
    with _closing_upstream(analysed):
        yield from _swap(analysed, source_face, label, shape_transfer)


@contextmanager
def _closing_upstream(upstream: Iterator[object]) -> Iterator[None]:
    """Close the upstream stage when this one ends, even when it is closed early."""
    try:
        yield
    finally:
        close = getattr(upstream, "close", None)
        if close is not None:
            close()


def _analyse(
    frames: Iterable[VideoFrame], tracker: FaceTracker, selector: FaceSelector
) -> Iterator[AnalysedFrame]:
    for frame in frames:
        target_frame = frame.image

        tracks = tracker.update(target_frame, frame.seconds)

        chosen = selector.choose(target_frame, tracks)
        if selector.keeps_one_track and chosen:
            tracker.focus_on(chosen[0])

        yield AnalysedFrame(
            frame=frame,
            targets=[track.smoothed.copy() for track in chosen],
            target_ids=[track.track_id for track in chosen],
            seen_targets=[
                track.face.landmarks.copy() if track.visible else None for track in chosen
            ],
            track_ids=[track.track_id for track in tracks],
            visible_ids={track.track_id for track in tracks if track.visible},
            visible_boxes={
                track.track_id: Box.around(track.face.landmarks)
                for track in tracks
                if track.visible
            },
            standby={
                track.track_id: (track.smoothed.copy(), track.face.landmarks.copy())
                for track in tracks
                if track.visible and track not in chosen
            },
        )


def _confirm_gaps(analysed: Iterable[AnalysedFrame], horizon: int) -> Iterator[AnalysedFrame]:
    """Yield each frame ``horizon`` frames late, without the targets of tracks that
    bridge a gap their face never comes back from, or that are seen in one frame only.

    A track carries its last landmarks over a few missed frames. When the face
    comes back (in the same track, or found again where it was), that hides a
    detector dropout, and the carried landmarks are moved in a straight line
    from where the face was last seen to where it comes back. When the person
    has left the picture, pasting there would put a face on the background.

    A track seen in one frame and in none of the ``horizon`` frames after it is
    the detector's mistake on something else (a shirt, a cap's edge), and a face
    pasted there shows as a flash. Its target is dropped unless no frame follows.
    """
    pending: deque[AnalysedFrame] = deque()
    history = _TrackHistory()
    for item in analysed:
        pending.append(item)
        if len(pending) > horizon:
            yield _drop_unconfirmed(pending.popleft(), pending, history)
    while pending:
        yield _drop_unconfirmed(pending.popleft(), pending, history)


@dataclass
class _TrackHistory:
    """The gap check's memory of the frames it has already yielded."""

    seen_before: set[int] = field(default_factory=set)
    # Frames each bridged track has been carried since it was last seen.
    bridged_for: dict[int, int] = field(default_factory=dict)

    def update(self, item: AnalysedFrame, bridged: list[int]) -> None:
        self.seen_before.update(item.visible_ids)
        for track_id in item.visible_ids:
            self.bridged_for.pop(track_id, None)
        for track_id in bridged:
            self.bridged_for[track_id] = self.bridged_for.get(track_id, 0) + 1


def _drop_unconfirmed(
    item: AnalysedFrame, later: deque[AnalysedFrame], history: _TrackHistory
) -> AnalysedFrame:
    bridged = [
        track_id
        for track_id, seen in zip(item.target_ids, item.seen_targets, strict=True)
        if seen is None
    ]
    for position in reversed(range(len(item.targets))):
        track_id = item.target_ids[position]
        if item.seen_targets[position] is not None:
            where = Box.around(item.targets[position][:, :2])
            if _seen_once(track_id, where, later, history.seen_before):
                item.drop_target(position)
            continue

        where = Box.around(item.targets[position][:, :2])
        found_again = _found_again_here(item, where)
        if found_again is not None:
            item.drop_target(position)
            item.add_target(found_again)
            continue

        comeback = _comeback(track_id, where, later, history.seen_before | item.visible_ids)
        if comeback is None:
            item.drop_target(position)
            _hand_over(item, later)
        else:
            carried = history.bridged_for.get(track_id, 0) + 1
            item.targets[position] = _towards(item.targets[position], comeback, carried)
    history.update(item, bridged)
    return item


def _comeback(
    track_id: int, where: Box, later: deque[AnalysedFrame], known: set[int]
) -> tuple[int, np.ndarray | None] | None:
    """Return how many frames later the bridged face is seen again, with its landmarks
    there when the frame has them; None when it is not seen again.

    The face is seen again in its own track, or in a new track whose first
    sighting is where it left off. A track in ``known`` (seen in this frame or
    before) is another person. Matching a new track where it is seen later
    carried a man who left the frame on the right towards a woman who came in
    on the left, and drew his face on the sky between them.
    """
    checked: set[int] = set(known)
    for offset, frame in enumerate(later, start=1):
        if track_id in frame.visible_ids:
            return offset, _landmarks_of(frame, track_id)
        for other_id, box in frame.visible_boxes.items():
            if other_id in checked:
                continue
            checked.add(other_id)
            if _same_place(where, box):
                return offset, _landmarks_of(frame, other_id)
    return None


def _landmarks_of(frame: AnalysedFrame, track_id: int) -> np.ndarray | None:
    """Return the smoothed landmarks of a visible track when the frame keeps them."""
    if track_id in frame.standby or track_id in frame.target_ids:
        return _smoothed_of(frame, track_id)
    return None


def _smoothed_of(frame: AnalysedFrame, track_id: int) -> np.ndarray:
    if track_id in frame.standby:
        return frame.standby[track_id][0]
    return frame.targets[frame.target_ids.index(track_id)]


def _towards(
    carried: np.ndarray, comeback: tuple[int, np.ndarray | None], frames_carried: int
) -> np.ndarray:
    """Move carried landmarks the share of the way to where the face comes back that
    this frame lies between the last sighting and the return."""
    offset, landmarks = comeback
    if landmarks is None:
        return carried
    share = frames_carried / (frames_carried + offset)
    return (carried + share * (landmarks - carried)).astype(carried.dtype)


def _found_again_here(item: AnalysedFrame, where: Box) -> int | None:
    """Return a visible, unchosen track in ``item`` at the place a bridged target left off.

    The detector often finds a lost face again under a new track before the
    old one ends. Its landmarks are this frame's; the bridged ones are stale.
    """
    for track_id, (smoothed, _) in item.standby.items():
        if _same_place(where, Box.around(smoothed[:, :2])):
            return track_id
    return None


def _hand_over(item: AnalysedFrame, later: deque[AnalysedFrame]) -> None:
    """Give a frame whose chosen person has left the track chosen after them, when it is in view.

    With one person swapped, the choice stays with a track that bridges a gap
    until the track ends, which leaves the person who is chosen next unswapped
    for those frames although they were in view.
    """
    for frame in later:
        successors = [track_id for track_id in frame.target_ids if track_id in item.standby]
        if successors:
            item.add_target(successors[0])
            return


def _seen_once(
    track_id: int, where: Box, later: deque[AnalysedFrame], seen_before: set[int]
) -> bool:
    if track_id in seen_before or not later:
        return False
    return not any(_comes_back(track_id, where, frame) for frame in later)


def _comes_back(track_id: int, where: Box, frame: AnalysedFrame) -> bool:
    if track_id in frame.visible_ids:
        return True
    return any(_same_place(where, box) for box in frame.visible_boxes.values())


def _same_place(where: Box, box: Box) -> bool:
    """Tell whether ``box`` is a face found again where a bridged track left off.

    A face that moves fast (a walker's, 30 px in 4 frames at 53 px wide)
    overlaps its old box too little, so a near centre of a similar size counts too.
    """
    if where.iou(box) > _SAME_PLACE_IOU:
        return True
    distance = np.hypot(where.center[0] - box.center[0], where.center[1] - box.center[1])
    similar_size = (
        1 / _SAME_PLACE_SIZE_STEP < box.size / max(where.size, 1.0) < _SAME_PLACE_SIZE_STEP
    )
    return bool(similar_size and distance < _SAME_PLACE_DISTANCE * where.size)


def _swap(
    analysed: Iterable[AnalysedFrame],
    source_face: SourceFace,
    label: Callable[[np.ndarray], object],
    shape_transfer: float,
) -> Iterator[AnalysedFrame]:
    # One shaper per track: each keeps the running mean of its person's shape.
    shapers: dict[int, FaceShaper] = {}
    # One motion blur per track: each keeps its face's gradients at rest.
    blurs: dict[int, MotionBlur] = {}
    for before, item, after in _with_neighbours(analysed):
        target_frame = item.frame.image

        shapers = {
            track_id: shapers[track_id] for track_id in item.track_ids if track_id in shapers
        }
        blurs = {track_id: blurs[track_id] for track_id in item.track_ids if track_id in blurs}
        targets = zip(item.target_ids, item.targets, item.seen_targets, strict=True)
        for track_id, target_landmarks, seen_landmarks in targets:
            if track_id not in shapers:
                shapers[track_id] = FaceShaper(source_face.face.landmarks, shape_transfer)
            shaped_face = shapers[track_id].shape(target_landmarks, seen_landmarks)
            motion = face_motion(track_id, target_landmarks, before, after)
            blur = blurs.setdefault(track_id, MotionBlur())
            drawn = swap_face(
                target_frame,
                source_face,
                shaped_face,
                item.hands,
                motion=motion,
                motion_blur=blur,
            )
            if drawn:
                item.faces_swapped += 1

        label(target_frame)
        yield item


def _with_neighbours(
    analysed: Iterable[AnalysedFrame],
) -> Iterator[tuple[AnalysedFrame | None, AnalysedFrame, AnalysedFrame | None]]:
    """Yield each frame with the frames before and after it (None at either end)."""
    before: AnalysedFrame | None = None
    current: AnalysedFrame | None = None
    for after in analysed:
        if current is not None:
            yield before, current, after
        before, current = current, after
    if current is not None:
        yield before, current, None


def face_motion(
    track_id: int,
    landmarks: np.ndarray,
    before: AnalysedFrame | None,
    after: AnalysedFrame | None,
) -> tuple[float, float]:
    """Return how far the face of ``track_id`` moves per frame around this one, in pixels.

    The motion is the mean of the step from the frame before and the step to
    the frame after, or the one step there is when the track is in only one of them.
    """
    here = landmarks[:468, :2].mean(axis=0)
    steps = []
    if before is not None and track_id in before.target_ids:
        steps.append(here - _centre_of(before, track_id))
    if after is not None and track_id in after.target_ids:
        steps.append(_centre_of(after, track_id) - here)
    if not steps:
        return (0.0, 0.0)
    step = np.mean(steps, axis=0)
    return (float(step[0]), float(step[1]))


def _centre_of(frame: AnalysedFrame, track_id: int) -> np.ndarray:
    return frame.targets[frame.target_ids.index(track_id)][:468, :2].mean(axis=0)
