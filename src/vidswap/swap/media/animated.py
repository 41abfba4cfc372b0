"""Read an animated WebP as a video: every frame, with its own display time.

The FFmpeg in PyAV 18.1 cannot decode animated WebP (its libwebp_anim codec
only encodes), so libwebp's animation decoder in Pillow reads it instead. That
decoder composites each frame onto the canvas, so every frame is a whole
picture. Pillow keeps the file's bytes in memory, but only one decoded frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import structlog
from PIL import Image

from vidswap.swap.errors import CorruptMediaError
from vidswap.swap.media.container import check_input_file
from vidswap.swap.media.frames import VideoFrame, VideoInfo
from vidswap.swap.media.images import to_bgr_and_alpha

log = structlog.get_logger(__name__)

# Pillow reports WebP frame times in milliseconds.
MILLISECONDS = Fraction(1, 1000)
# Frames shorter than 20 ms get 100 ms, the rule FFmpeg's GIF demuxer applies
# (min_delay 2 and default_delay 10, in hundredths of a second), so an animated
# WebP keeps the timing that the same animation as a GIF gets.
MIN_FRAME_MS = 20
DEFAULT_FRAME_MS = 100


def is_animated_webp(path: Path) -> bool:
    """Return whether ``path`` is a WebP file with more than one frame."""
    with path.open("rb") as file:
        header = file.read(12)
    if header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return False
    try:
        with Image.open(path) as image:
            return bool(getattr(image, "is_animated", False))
    except (OSError, SyntaxError, ValueError):
        return False


class AnimatedImageReader:
    """Decode an animated WebP into 8-bit BGR VideoFrames with millisecond timestamps.

    Transparency is dropped as for an animated GIF, so fully transparent pixels
    show the colour libwebp stores under them (black on a cleared canvas). Opening
    decodes every frame once to read its duration, so a damaged frame raises
    CorruptMediaError, naming its index, before any output is written.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        check_input_file(self.path)
        try:
            self._image = Image.open(self.path)
            self._image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptMediaError(
                path=str(self.path), detail=f"the first frame cannot be decoded: {exc}"
            ) from exc
        self._frame_count = int(getattr(self._image, "n_frames", 1))
        self._durations = self._read_durations()
        self._iterated = False
        self.info = self._build_info()

    @property
    def time_base(self) -> Fraction:
        return MILLISECONDS

    @property
    def average_rate(self) -> Fraction | None:
        total = sum(self._durations)
        return Fraction(self._frame_count * 1000, total) if total else None

    @property
    def audio_stream_index(self) -> int | None:
        return None

    def __enter__(self) -> AnimatedImageReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._image.close()

    def __iter__(self) -> Iterator[VideoFrame]:
        if self._iterated:
            raise RuntimeError(f"AnimatedImageReader for {self.path} can only be iterated once")
        self._iterated = True

        pts = 0
        for index, duration in enumerate(self._durations):
            image = self._decode(index)
            bgr, _alpha = to_bgr_and_alpha(image)
            yield VideoFrame(
                image=bgr, pts=pts, time_base=MILLISECONDS, index=index, duration=duration
            )
            pts += duration

    def _decode(self, index: int) -> Image.Image:
        """Decode frame ``index``; frames must be requested in order, as libwebp decodes them."""
        try:
            self._image.seek(index)
            self._image.load()
        except (OSError, EOFError, SyntaxError, ValueError) as exc:
            raise CorruptMediaError(
                path=str(self.path),
                detail=f"decoding failed after {index} frames, at frame index {index}: {exc}",
            ) from exc
        return self._image

    def _read_durations(self) -> list[int]:
        """Return every frame's display time in milliseconds, then rewind to the first frame.

        Pillow reports a frame's duration only after decoding the frame.
        """
        durations = []
        for index in range(self._frame_count):
            image = self._decode(index)
            duration = int(image.info.get("duration", 0))
            durations.append(DEFAULT_FRAME_MS if duration < MIN_FRAME_MS else duration)
        self._decode(0)
        return durations

    def _build_info(self) -> VideoInfo:
        width, height = self._image.size
        duration = sum(self._durations) / 1000
        rate = self.average_rate
        return VideoInfo(
            width=width,
            height=height,
            rotation=0,
            frame_count=self._frame_count,
            duration=duration,
            average_fps=float(rate) if rate else 0.0,
            codec="webp",
            pixel_format=self._image.mode.lower(),
            bit_depth=8,
            is_hdr=False,
            has_audio=False,
            audio_codec=None,
            container="webp",
        )
