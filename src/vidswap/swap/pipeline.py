"""The swap pipeline: source photo in, target photo or video in, labelled output out.

source_face = analyse_source(...)            once per swap
for target_frame in target:                  one frame in memory at a time
    tracks = tracker.update(target_frame)
    chosen = selector.choose(tracks)
    hands = hand_finder.find(target_frame, chosen)    some frames only: see stages.find_hands
    for track in chosen:
        shaped_face = shaper_of(track).shape(track.smoothed)   towards the source's proportions
        swap_face(target_frame, source_face, shaped_face, hands)   hands stay in front
    draw_visible_label(target_frame)
    write target_frame
"""

from __future__ import annotations

import os
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import structlog

from vidswap.kit.notices import Notice
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.concurrency import run_ahead
from vidswap.swap.errors import (
    InvalidOptionError,
    NoFaceError,
    NotAnImageError,
    NoVideoStreamError,
    OutputExtensionMissingError,
    OutputFormatError,
    OutputIsInputError,
    ReferenceNotInTargetError,
    SwapCancelledError,
    UnsupportedImageError,
    UnsupportedMediaError,
)
from vidswap.swap.face import Box
from vidswap.swap.hands import HandFinder
from vidswap.swap.identity import IdentityEncoder
from vidswap.swap.media.atomic import check_output_path
from vidswap.swap.media.images import Picture, read_picture, write_picture
from vidswap.swap.media.label import check_label_options, draw_visible_label
from vidswap.swap.media.sniff import MediaKind, detect_media_kind
from vidswap.swap.media.video import VideoWriter, open_video
from vidswap.swap.notices import (
    NoFaceInTarget,
    SeveralReferenceFaces,
    SourceFaceSmall,
    TargetFacesHidden,
)
from vidswap.swap.options import (
    LABEL_METADATA_VALUE,
    CancelCheck,
    FaceSelection,
    Progress,
    ProgressCallback,
    SwapOptions,
)
from vidswap.swap.raster import compile_kernels
from vidswap.swap.select import FaceSelector
from vidswap.swap.shape import FaceShaper
from vidswap.swap.source import SourceFace, analyse_source
from vidswap.swap.stages import analyse_frames, swap_frames
from vidswap.swap.swapper import swap_face
from vidswap.swap.track import FaceTracker

log = structlog.get_logger(__name__)

VIDEO_OUTPUT_EXTENSIONS = (".mp4", ".m4v")
# Every this many frames, the widths of the swapped faces are sampled.
_WIDTH_SAMPLE_EVERY = 10
# A source face narrower than the replaced faces (their median) by this factor is
# upscaled enough to look soft, so the report adds a notice.
_SMALL_SOURCE_FACTOR = 2.0
# Frames each pipeline stage may run ahead of the next. About four times this
# many frames are in memory at once.
_STAGE_DEPTH = 3

IMAGE_OUTPUT_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic")


@dataclass
class SwapReport:
    """The result of a finished swap: output, frame counts and notices."""

    output: Path
    target_kind: MediaKind
    frames: int = 0
    frames_swapped: int = 0
    people_tracked: int = 0
    seconds: float = 0.0
    notices: list[Notice] = field(default_factory=list)
    # Widths in pixels of the swapped target faces, sampled (see _WIDTH_SAMPLE_EVERY).
    target_widths: list[float] = field(default_factory=list)


class SwapEngine:
    """Swap faces with fixed options. Models load once; not thread-safe, use one per thread."""

    def __init__(self, options: SwapOptions) -> None:
        _validate_options(options)
        self.options = options
        self._analyser = FaceAnalyser()
        self._hand_finder = HandFinder()
        compile_kernels()
        self._encoder: IdentityEncoder | None = None

    def close(self) -> None:
        self._analyser.close()
        self._hand_finder.close()

    def swap_file(
        self,
        face_path: Path,
        target_path: Path,
        output_path: Path,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
    ) -> SwapReport:
        """Swap the face in ``face_path`` into ``target_path`` and write ``output_path``."""
        started = time.monotonic()

        _check_output_is_not_input(output_path, [face_path, target_path, self.options.reference])
        source_picture = _read_photo(face_path)
        target_kind = detect_media_kind(target_path)
        _check_output(output_path, target_kind)

        # Without an encoder the source gets no identity descriptor. Nothing in the
        # swap reads it, and dlib takes about 0.1 s per swap to compute it.
        source_face, notices = analyse_source(source_picture.bgr, face_path, self._analyser)
        selector = self._make_selector(notices)

        if target_kind is MediaKind.IMAGE:
            report = self._swap_picture(source_face, selector, target_path, output_path)
        else:
            report = self._swap_video(
                source_face, selector, target_path, output_path, progress, cancel
            )

        report.notices[:0] = notices
        small = _small_source_notice(source_face, face_path, report.target_widths)
        if small is not None:
            report.notices.append(small)
        report.seconds = time.monotonic() - started
        log.info(
            "swap.finished",
            output=str(output_path),
            kind=str(target_kind),
            frames=report.frames,
            frames_swapped=report.frames_swapped,
            seconds=round(report.seconds, 2),
        )
        return report

    def _make_selector(self, notices: list[Notice]) -> FaceSelector:
        """Return the face selector; a reference photo with several faces adds a notice."""
        if self.options.faces is not FaceSelection.REFERENCE:
            return FaceSelector(self.options.faces)

        assert self.options.reference is not None
        reference_path = self.options.reference
        picture = _read_photo(reference_path)
        faces = self._analyser.find_faces(picture.bgr)
        if not faces:
            raise NoFaceError(path=str(reference_path))
        if len(faces) > 1:
            center_x, center_y = faces[0].box.center
            notices.append(
                SeveralReferenceFaces(
                    path=str(reference_path),
                    count=len(faces),
                    width=round(faces[0].box.width),
                    x=round(center_x),
                    y=round(center_y),
                )
            )
        encoder = self._identity_encoder()
        embedding = encoder.embed(picture.bgr, faces[0])
        return FaceSelector(FaceSelection.REFERENCE, reference_embedding=embedding, encoder=encoder)

    def _identity_encoder(self) -> IdentityEncoder:
        if self._encoder is None:
            self._encoder = IdentityEncoder()
        return self._encoder

    def _swap_picture(
        self, source_face: SourceFace, selector: FaceSelector, target_path: Path, output_path: Path
    ) -> SwapReport:
        picture = read_picture(target_path)
        target_frame = picture.bgr
        report = SwapReport(output=output_path, target_kind=MediaKind.IMAGE, frames=1)

        tracker = FaceTracker(self._analyser, largest_only=selector.keeps_one_track)
        tracks = tracker.update(target_frame, 0.0)
        tracker.close()
        chosen = selector.choose(target_frame, tracks)
        self._check_reference_found(selector, target_path)
        hands = [
            hand
            for track in chosen
            for hand in self._hand_finder.find(target_frame, track.face.box)
        ]
        faces_swapped = 0
        for track in chosen:
            shaper = FaceShaper(source_face.face.landmarks, self.options.shape_transfer)
            shaped_face = shaper.shape(track.face.landmarks)
            if swap_face(target_frame, source_face, shaped_face, hands):
                faces_swapped += 1

        report.people_tracked = len(tracks)
        report.frames_swapped = 1 if faces_swapped else 0
        if chosen and not faces_swapped:
            report.notices.append(TargetFacesHidden(path=str(target_path)))
        report.target_widths = [track.face.box.width for track in chosen]
        if not tracks:
            report.notices.append(NoFaceInTarget(path=str(target_path)))

        self._label(target_frame)
        write_picture(
            output_path,
            Picture(bgr=target_frame, alpha=picture.alpha, format=picture.format),
            metadata_text=LABEL_METADATA_VALUE,
        )
        return report

    def _swap_video(
        self,
        source_face: SourceFace,
        selector: FaceSelector,
        target_path: Path,
        output_path: Path,
        progress: ProgressCallback | None,
        cancel: CancelCheck | None,
    ) -> SwapReport:
        report = SwapReport(output=output_path, target_kind=MediaKind.VIDEO)
        tracker = FaceTracker(self._analyser, largest_only=selector.keeps_one_track)
        started = time.monotonic()
        track_ids: set[int] = set()
        frames_chosen = 0

        with open_video(target_path) as reader:
            total = reader.info.frame_count
            with VideoWriter(
                output_path,
                reader,
                crf=self.options.quality,
                keep_audio=self.options.keep_audio,
                metadata_text=LABEL_METADATA_VALUE,
            ) as writer:
                decoded = run_ahead(reader, depth=_STAGE_DEPTH, name="vidswap-decode")
                analysed = run_ahead(
                    analyse_frames(decoded, tracker, selector, self._hand_finder),
                    depth=_STAGE_DEPTH,
                    name="vidswap-analyse",
                )
                swapped = run_ahead(
                    swap_frames(analysed, source_face, self._label, self.options.shape_transfer),
                    depth=_STAGE_DEPTH,
                    name="vidswap-swap",
                )
                # Exits run in reverse: every stage has stopped before the tracker
                # releases its graphs and the reader closes the video.
                with closing(tracker), closing(decoded), closing(analysed), closing(swapped):
                    for item in swapped:
                        if cancel is not None and cancel():
                            raise SwapCancelledError()

                        writer.write(item.frame.image, item.frame)

                        track_ids.update(item.track_ids)
                        report.frames += 1
                        report.frames_swapped += 1 if item.faces_swapped else 0
                        frames_chosen += 1 if item.targets else 0
                        if report.frames % _WIDTH_SAMPLE_EVERY == 1:
                            report.target_widths += [
                                Box.around(target[:468, :2]).width for target in item.targets
                            ]
                        if progress is not None:
                            elapsed = time.monotonic() - started
                            progress(Progress(report.frames, total, elapsed))

                self._check_reference_found(selector, target_path)

        report.people_tracked = len(track_ids)
        if not track_ids:
            report.notices.append(NoFaceInTarget(path=str(target_path)))
        elif frames_chosen and not report.frames_swapped:
            report.notices.append(TargetFacesHidden(path=str(target_path)))
        return report

    def _check_reference_found(self, selector: FaceSelector, target_path: Path) -> None:
        if self.options.faces is FaceSelection.REFERENCE and not selector.matched_reference:
            raise ReferenceNotInTargetError(
                reference=str(self.options.reference), target=str(target_path)
            )

    def _label(self, target_frame: np.ndarray) -> tuple[int, int, int, int] | None:
        return draw_visible_label(target_frame, self.options.label)


def _validate_options(options: SwapOptions) -> None:
    if not 0 <= options.quality <= 51:
        raise InvalidOptionError(
            name="quality",
            value=options.quality,
            hint="use an x264 CRF from 0 to 51; 18 is the default",
        )
    if not 0.0 <= options.shape_transfer <= 1.0:
        raise InvalidOptionError(
            name="shape_transfer",
            value=options.shape_transfer,
            hint="use a share from 0 (the target's face shape) to 1 (the source's)",
        )
    if options.faces is FaceSelection.REFERENCE and options.reference is None:
        raise InvalidOptionError(
            name="faces",
            value=str(options.faces),
            hint="reference selection needs a reference photo",
        )
    check_label_options(options.label)


def _read_photo(path: Path) -> Picture:
    try:
        kind = detect_media_kind(path)
    except (UnsupportedMediaError, NoVideoStreamError) as exc:
        # An audio-only file is not a photo either, and the error names only photo formats.
        raise UnsupportedImageError(path=str(path)) from exc
    if kind is not MediaKind.IMAGE:
        raise NotAnImageError(path=str(path))
    return read_picture(path)


def _check_output_is_not_input(output_path: Path, inputs: list[Path | None]) -> None:
    """Reject an output that would overwrite one of the swap's own inputs."""
    for input_path in inputs:
        if input_path is None or not input_path.exists():
            continue
        same = (
            os.path.samefile(output_path, input_path)
            if output_path.exists()
            else output_path.resolve() == input_path.resolve()
        )
        if same:
            raise OutputIsInputError(path=str(output_path))


def _check_output(output_path: Path, target_kind: MediaKind) -> None:
    check_output_path(output_path)
    extension = output_path.suffix.lower()
    if not extension:
        allowed = (
            VIDEO_OUTPUT_EXTENSIONS if target_kind is MediaKind.VIDEO else IMAGE_OUTPUT_EXTENSIONS
        )
        raise OutputExtensionMissingError(path=str(output_path), allowed=", ".join(allowed))
    if target_kind is MediaKind.VIDEO and extension not in VIDEO_OUTPUT_EXTENSIONS:
        raise OutputFormatError(
            path=str(output_path),
            extension=extension,
            allowed=", ".join(VIDEO_OUTPUT_EXTENSIONS),
        )
    if target_kind is MediaKind.IMAGE and extension not in IMAGE_OUTPUT_EXTENSIONS:
        raise OutputFormatError(
            path=str(output_path),
            extension=extension,
            allowed=", ".join(IMAGE_OUTPUT_EXTENSIONS),
        )


def _small_source_notice(
    source_face: SourceFace, face_path: Path, target_widths: list[float]
) -> Notice | None:
    """Return a notice when the source face is much narrower than the faces it replaced."""
    if not target_widths:
        return None
    target_width = float(np.median(target_widths))
    source_width = source_face.face.box.width
    if target_width < _SMALL_SOURCE_FACTOR * source_width:
        return None
    return SourceFaceSmall(
        path=str(face_path), source_width=round(source_width), target_width=round(target_width)
    )
