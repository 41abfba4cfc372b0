"""Face selection: the tracked faces that get the source face, per ``FaceSelection``.

``largest`` locks onto one track (the largest face when it is chosen) and
keeps it while the track lives, so the swap never jumps to another person
who comes closer. ``reference`` swaps, in each frame, the one track whose
identity descriptors are on average within ``SAME_PERSON_DISTANCE`` of the
reference photo's and nearest to it: the photo shows one person, who is in
any frame at most once.
"""

from __future__ import annotations

import numpy as np

from vidswap.swap.face import Box
from vidswap.swap.identity import SAME_PERSON_DISTANCE, IdentityEncoder, identity_distance
from vidswap.swap.options import FaceSelection
from vidswap.swap.track import Track

_IDENTITY_SAMPLES = 3
_IDENTITY_SAMPLE_GAP = 10


class FaceSelector:
    def __init__(
        self,
        mode: FaceSelection,
        *,
        reference_embedding: np.ndarray | None = None,
        encoder: IdentityEncoder | None = None,
    ) -> None:
        if mode is FaceSelection.REFERENCE and (reference_embedding is None or encoder is None):
            raise ValueError("reference selection needs a reference embedding and an encoder")
        self._mode = mode
        self._reference = reference_embedding
        self._encoder = encoder
        self._locked_track: int | None = None
        self.matched_reference = False

    @property
    def keeps_one_track(self) -> bool:
        """True when the choice stays with one track while it lives (``largest``)."""
        return self._mode is FaceSelection.LARGEST

    def choose(self, frame: np.ndarray, tracks: list[Track]) -> list[Track]:
        if not tracks:
            return []
        if self._mode is FaceSelection.ALL:
            return tracks
        if self._mode is FaceSelection.LARGEST:
            return self._largest(tracks)
        return self._matching_reference(frame, tracks)

    def _largest(self, tracks: list[Track]) -> list[Track]:
        for track in tracks:
            if track.track_id == self._locked_track:
                return [track]
        largest = max(tracks, key=lambda t: Box.around(t.smoothed).area)
        self._locked_track = largest.track_id
        return [largest]

    def _matching_reference(self, frame: np.ndarray, tracks: list[Track]) -> list[Track]:
        for track in tracks:
            self._sample_identity(frame, track)
        matching = [
            track
            for track in tracks
            if track.reference_distance is not None
            and track.reference_distance < SAME_PERSON_DISTANCE
        ]
        if not matching:
            return []
        self.matched_reference = True
        return [min(matching, key=lambda track: track.reference_distance or 0.0)]

    def _sample_identity(self, frame: np.ndarray, track: Track) -> None:
        """Average the distances of a few descriptors taken apart in time, since one
        frame may show the person turned or blurred.

        The distances are averaged, not the descriptors: the distance of a mean
        descriptor is never above the mean distance (a norm is convex), so averaging
        descriptors would let a stranger pass more easily.
        """
        if not track.visible or track.identity_samples >= _IDENTITY_SAMPLES:
            return
        if (
            track.reference_distance is not None
            and track.frames_since_identity < _IDENTITY_SAMPLE_GAP
        ):
            track.frames_since_identity += 1
            return

        assert self._encoder is not None and self._reference is not None
        sample = identity_distance(self._encoder.embed(frame, track.face), self._reference)
        count = track.identity_samples
        previous = track.reference_distance or 0.0
        track.reference_distance = (previous * count + sample) / (count + 1)
        track.identity_samples += 1
        track.frames_since_identity = 0
