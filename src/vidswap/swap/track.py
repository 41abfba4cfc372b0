"""Face tracking across video frames.

Each track follows one person: in every frame its mesh is re-located in a crop
around where it was, so its id stays with that person. The full detector runs
every ``detect_every`` frames (and on every frame while nothing is tracked) to
find people who come into view. A track that misses a few frames keeps its
last landmarks for up to ``max_gap_frames``, which hides detector dropouts;
after that it ends. Landmarks are smoothed with a One Euro filter per track.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from vidswap.swap.analyser import FaceAnalyser, estimate_yaw_degrees
from vidswap.swap.detect import SMALL_FACE_DIVISOR
from vidswap.swap.face import Box, Face
from vidswap.swap.landmarks import FaceFollower
from vidswap.swap.smooth import OneEuroFilter


@dataclass(eq=False)
class Track:
    """One person followed through the video."""

    track_id: int
    face: Face
    smoothed: np.ndarray
    first_frame: int
    missed_frames: int = 0
    filter: OneEuroFilter = field(default_factory=OneEuroFilter)
    follower: FaceFollower | None = None
    yaw_degrees: float = 0.0
    # Mean distance of this track's identity samples to the reference photo,
    # filled by reference selection only.
    reference_distance: float | None = None
    identity_samples: int = 0
    frames_since_identity: int = 0

    @property
    def visible(self) -> bool:
        """False while the track is carried over a gap with its last landmarks."""
        return self.missed_frames == 0


# Faces narrower than this many pixels never end a track by their yaw reading.
_YAW_RELIABLE_SIZE = 64.0


@dataclass(frozen=True)
class TrackerSettings:
    detect_every: int = 4
    # Every this many detection passes also searches tiles for small faces.
    tiles_every: int = 6
    # A lost small face brings the tiled search forward, unless tiles were
    # searched in the last this many frames: on a marathon crowd, searching
    # them at every pass doubled the time of a swap.
    min_tiles_gap: int = 8
    max_gap_frames: int = 6
    new_face_overlap: float = 0.3
    # Tracks beyond this many share the static landmarker: each video-mode
    # mesh graph keeps its own model in memory.
    max_followers: int = 8
    # The further a head turns, the less its mesh follows it. On the helmeted
    # woman in the three-people selfie, read at 47° to 67°, the mesh put the
    # source's nose on her cheek while her own nose showed on the outline.
    max_yaw_degrees: float = 55.0
    # Where a track ended for turning away in the last ``turned_memory_frames``,
    # a new track starts only below this yaw, so a face whose reading wavers
    # around the limit is not swapped and dropped in turn. The detector's mesh
    # reads a turned head lower than the followed one: the helmeted woman read
    # 59° when her track ended and 42° five frames later, turned further.
    max_new_yaw_degrees: float = 30.0
    turned_memory_frames: int = 30
    max_yaw_step_degrees: float = 40.0
    # On a face reaching past the frame's edge, a reading this much nearer
    # frontal than the last counts as a miss. With his nose cut off, a hiker
    # leaving the frame turned about 50° read 39°, then 3°.
    max_edge_unturn_degrees: float = 20.0
    # A face's size changes by less than this factor between two frames. A mesh
    # that grows or shrinks more has jumped (onto a cap's peak, an ear).
    max_size_step: float = 1.5


class FaceTracker:
    def __init__(
        self,
        analyser: FaceAnalyser,
        settings: TrackerSettings | None = None,
        *,
        largest_only: bool = False,
    ) -> None:
        """Follow the faces ``analyser`` finds.

        With ``largest_only`` (the ``largest`` selection) no small face can be
        chosen beside a large one, so a detection pass that finds a large face
        skips the tiled search.
        """
        self._analyser = analyser
        self._settings = settings or TrackerSettings()
        self._largest_only = largest_only
        self._tracks: list[Track] = []
        self._ids = itertools.count(1)
        self._frame_index = -1
        self._focus_id: int | None = None
        # Set when a face small enough to need the tiled search is lost, so
        # the next detection pass searches tiles instead of waiting for its turn.
        self._small_face_lost = False
        self._last_tiles: int | None = None
        # Where and when tracks ended because the head turned away.
        self._turned_away: list[tuple[Box, int]] = []

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracks)

    @property
    def settings(self) -> TrackerSettings:
        return self._settings

    def update(self, frame: np.ndarray, time: float) -> list[Track]:
        """Advance to the next frame and return the live tracks (visible or bridging a gap)."""
        self._frame_index += 1

        for track in self._tracks:
            self._follow(track, frame, time)

        self._keep_tracks(
            [t for t in self._tracks if t.missed_frames <= self._settings.max_gap_frames]
        )
        self._drop_merged_tracks()

        if not self._focus_visible() and self._detection_due():
            tiles = self._tiles_due() or (self._small_face_lost and self._tiles_allowed())
            self._add_new_faces(frame, time, tiles=tiles)
            if tiles:
                self._small_face_lost = False
                self._last_tiles = self._frame_index

        return list(self._tracks)

    def focus_on(self, track: Track) -> None:
        """Follow only ``track``, and search for no new faces while it stays visible.

        The ``largest`` selection keeps one person, so no other face can be chosen
        while this one is in view. While ``track`` bridges a gap, the other tracks
        stay and the search runs as usual.
        """
        if not track.visible or track not in self._tracks:
            self._focus_id = None
            return
        self._focus_id = track.track_id
        self._keep_tracks([track])

    def close(self) -> None:
        """Release the mesh graphs of all tracks."""
        for track in self._tracks:
            _release(track)
        self._tracks = []

    def _follow(self, track: Track, frame: np.ndarray, time: float) -> None:
        box = Box.around(track.smoothed)
        if track.follower is None and self._follower_count() < self._settings.max_followers:
            track.follower = FaceFollower()

        face = track.follower.follow(frame, box) if track.follower is not None else None
        if face is None:
            face = self._analyser.locate(frame, box)
        if face is None:
            track.missed_frames += 1
            if track.face.box.size * SMALL_FACE_DIVISOR < max(frame.shape[:2]):
                self._small_face_lost = True
            return
        size_step = face.box.size / max(track.face.box.size, 1.0)
        if not 1 / self._settings.max_size_step < size_step < self._settings.max_size_step:
            track.missed_frames += 1
            return
        yaw = estimate_yaw_degrees(face)
        if abs(yaw - track.yaw_degrees) > self._settings.max_yaw_step_degrees:
            # No head turns this far between two frames: the mesh has jumped onto
            # something else (an ear, a neighbour), so this frame counts as a miss.
            track.missed_frames += 1
            return
        if self._cut_to_frontal(face, frame, abs(track.yaw_degrees) - abs(yaw)):
            track.missed_frames += 1
            return
        if abs(yaw) > self._settings.max_yaw_degrees and _yaw_reliable(face):
            # The head has turned away: the mesh of a face this far round slides onto
            # the ear or hair, and a frontal source has nothing to show there. The
            # track ends now; the detector starts a new one if the face turns back.
            track.missed_frames = self._settings.max_gap_frames + 1
            self._turned_away.append((face.box, self._frame_index))
            return
        track.face = face
        track.yaw_degrees = yaw
        track.missed_frames = 0
        track.smoothed = track.filter(face.landmarks, time, scale=face.box.size)

    def _cut_to_frontal(self, face: Face, frame: np.ndarray, unturned: float) -> bool:
        """Tell whether the frame's edge made ``face`` read ``unturned`` degrees nearer frontal."""
        if unturned <= self._settings.max_edge_unturn_degrees:
            return False
        return _yaw_reliable(face) and _past_edge(face, frame)

    def _drop_merged_tracks(self) -> None:
        """When two tracks have landed on the same face, keep the older one."""
        kept: list[Track] = []
        for track in sorted(self._tracks, key=lambda t: t.track_id):
            box = Box.around(track.smoothed)
            if all(box.iou(Box.around(other.smoothed)) < 0.5 for other in kept):
                kept.append(track)
        self._keep_tracks(kept)

    def _keep_tracks(self, kept: list[Track]) -> None:
        for track in self._tracks:
            if track not in kept:
                _release(track)
        self._tracks = kept

    def _focus_visible(self) -> bool:
        return any(t.track_id == self._focus_id and t.visible for t in self._tracks)

    def _follower_count(self) -> int:
        return sum(track.follower is not None for track in self._tracks)

    def _detection_due(self) -> bool:
        if not any(track.visible for track in self._tracks):
            return True
        return self._frame_index % self._settings.detect_every == 0

    def _tiles_due(self) -> bool:
        # Tiled detection finds small faces but costs several detector passes.
        return self._frame_index % (self._settings.detect_every * self._settings.tiles_every) == 0

    def _turned_away_here(self, box: Box) -> bool:
        return any(
            box.iou(where) > self._settings.new_face_overlap for where, _ in self._turned_away
        )

    def _tiles_allowed(self) -> bool:
        if self._last_tiles is None:
            return True
        return self._frame_index - self._last_tiles >= self._settings.min_tiles_gap

    def _add_new_faces(self, frame: np.ndarray, time: float, *, tiles: bool) -> None:
        memory = self._settings.turned_memory_frames
        self._turned_away = [
            (where, index)
            for where, index in self._turned_away
            if self._frame_index - index <= memory
        ]
        known = [Box.around(track.smoothed) for track in self._tracks]
        found = self._analyser.find_faces(
            frame, tiles=tiles, largest_only=self._largest_only, known=known
        )
        for face in found:
            if any(
                face.box.iou(Box.around(track.smoothed)) > self._settings.new_face_overlap
                for track in self._tracks
            ):
                continue
            if (
                self._turned_away_here(face.box)
                and _yaw_reliable(face)
                and abs(estimate_yaw_degrees(face)) > self._settings.max_new_yaw_degrees
            ):
                continue
            track = Track(
                track_id=next(self._ids),
                face=face,
                smoothed=face.landmarks,
                first_frame=self._frame_index,
                yaw_degrees=estimate_yaw_degrees(face),
            )
            track.smoothed = track.filter(face.landmarks, time, scale=face.box.size)
            self._tracks.append(track)


def _past_edge(face: Face, frame: np.ndarray) -> bool:
    """Tell whether part of ``face``'s mesh lies outside ``frame``."""
    height, width = frame.shape[:2]
    points = face.landmarks[:468, :2]
    inside = (points >= 0).all() and (points[:, 0] < width).all() and (points[:, 1] < height).all()
    return not inside


def _yaw_reliable(face: Face) -> bool:
    """Tell whether ``face`` is large enough for its yaw reading to end or hold back a track.

    The mesh's depth is noisy on small faces: on hikers 26 to 50 pixels wide the
    reading swung by up to 45° between frames, which ended their tracks at
    random. A small face turned too far is small on screen too.
    """
    return face.box.size >= _YAW_RELIABLE_SIZE


def _release(track: Track) -> None:
    if track.follower is not None:
        track.follower.close()
        track.follower = None
