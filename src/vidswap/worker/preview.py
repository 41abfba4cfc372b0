"""The browser-playable copy of a task's original video, written before the task completes.

A task whose target browsers cannot play (HEVC from phones, MOV, Matroska, AVI,
GIF) also gets an H.264 MP4 copy of that target, so clients can show it beside the
result. H.264 that is only in the wrong container is copied without re-encoding,
which takes a small fraction of the swap's time. The copy is part of finishing
the task: progress counts both steps and reaches 100 only once the copy is
stored. A copy that fails is logged and
skipped, and the task still completes.
"""

from __future__ import annotations

import math
from pathlib import Path

import structlog

from vidswap.kit.errors import VidswapError
from vidswap.swap.media.browser import PreviewMethod, preview_method, probe_playback_format
from vidswap.swap.options import Progress, ProgressCallback

log = structlog.get_logger(__name__)

# Time to write one preview frame as a share of the time to swap one frame of the
# same video, for progress only. Estimated with bench/browser_preview.py on a
# 2-core VM without a GPU: a re-encode took 0.43 of the swap's time for 1080p,
# 0.60 for 720p and 0.40 for the 640x480 HEVC test clip, and a packet copy under
# 0.01 (docs/benchmarks.md, "Browser preview"). The share differs with the
# machine and with a GPU engine.
PREVIEW_FRAME_COSTS = {
    PreviewMethod.REMUX: 0.01,
    PreviewMethod.REENCODE: 0.5,
}


def plan_target_preview(target: Path, task_id: str) -> PreviewMethod | None:
    """Return how to make the browser copy of the target video, or None when
    browsers play it as it is.

    A target that cannot be probed gets no copy: the swap then reports what is
    wrong with it.
    """
    try:
        playback = probe_playback_format(target)
    except VidswapError as error:
        log.info("task.target_preview_skipped", task_id=task_id, error=error.code)
        return None
    method = preview_method(playback)
    if method is not None:
        log.info(
            "task.target_preview_needed",
            task_id=task_id,
            method=method.value,
            container=playback.container,
            video_codec=playback.video_codec,
            audio_codec=playback.audio_codec,
        )
    return method


def preview_frame_cost(method: PreviewMethod | None) -> float:
    """Return the weight of one preview frame in progress, in swapped frames."""
    return 0.0 if method is None else PREVIEW_FRAME_COSTS[method]


class StagedProgress:
    """One Progress for the swap and then the preview, counted in swapped frames.

    With a preview, the total becomes the swap's frames plus each preview frame
    weighted by ``preview_cost``, so the percentage and the time left cover both
    steps. Without one (``preview_cost`` 0), the swap's progress passes unchanged.
    """

    def __init__(self, report: ProgressCallback, preview_cost: float) -> None:
        self._report = report
        self._preview_cost = preview_cost
        self._swap_done = 0
        self._swap_seconds = 0.0

    def swap(self, progress: Progress) -> None:
        self._swap_done = progress.frames_done
        self._swap_seconds = progress.elapsed_seconds
        total = progress.frames_total
        if total is not None:
            total = math.ceil(total * (1 + self._preview_cost))
        self._report(Progress(progress.frames_done, total, progress.elapsed_seconds))

    def preview(self, progress: Progress) -> None:
        done = self._swap_done + round(progress.frames_done * self._preview_cost)
        total = None
        if progress.frames_total is not None:
            total = self._swap_done + math.ceil(progress.frames_total * self._preview_cost)
        seconds = self._swap_seconds + progress.elapsed_seconds
        self._report(Progress(done, total, seconds))
