"""Face selection: the tracked faces that get the source face, per ``FaceSelection``.

``largest`` locks onto one track (the largest face when it is chosen) and
keeps it while the track lives, so the swap never jumps to another person
who comes closer. ``reference`` swaps the tracks whose identity descriptor is
within ``SAME_PERSON_DISTANCE`` of the reference photo's.
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
        chosen = []
        for track in tracks:
            self._sample_identity(frame, track)
            if track.embedding is None:
                continue
            assert self._reference is not None
            if identity_distance(track.embedding, self._reference) < SAME_PERSON_DISTANCE:
                chosen.append(track)
        if chosen:
            self.matched_reference = True
        return chosen

    def _sample_identity(self, frame: np.ndarray, track: Track) -> None:
        """Average a few descriptors taken apart in time, since one frame may show
        the person turned or blurred."""
        if not track.visible or track.identity_samples >= _IDENTITY_SAMPLES:
            return
        if track.embedding is not None and track.frames_since_identity < _IDENTITY_SAMPLE_GAP:
            track.frames_since_identity += 1
            return

        assert self._encoder is not None
        sample = self._encoder.embed(frame, track.face)
        if track.embedding is None:
            track.embedding = sample
        else:
            count = track.identity_samples
            track.embedding = (track.embedding * count + sample) / (count + 1)
        track.identity_samples += 1
        track.frames_since_identity = 0
