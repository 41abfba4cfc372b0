"""The ``vidswap`` command.

Exit status: 0 on success, 2 on bad input or usage (the message names the file
or value and what is wrong), 1 on an internal failure, 130 when interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import structlog
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from vidswap import __version__
from vidswap.kit.errors import VidswapError
from vidswap.kit.i18n import localize, system_locale
from vidswap.kit.logging import configure_logging
from vidswap.swap.options import FaceSelection, LabelOptions, ProgressCallback, SwapOptions
from vidswap.swap.options import Progress as SwapProgress

log = structlog.get_logger(__name__)

EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

_TEXT = {
    "done": {
        "en": "Wrote {output}: {frames} frame(s), {swapped} with a swapped face, in {seconds:.1f} s.",
        "zh-CN": "已写入 {output}：共 {frames} 帧，其中 {swapped} 帧完成换脸，用时 {seconds:.1f} 秒。",
    },
    "warning": {"en": "Warning: {message}", "zh-CN": "警告：{message}"},
    "error": {"en": "Error: {message}", "zh-CN": "错误：{message}"},
    "interrupted": {
        "en": "Interrupted; no output was written.",
        "zh-CN": "已中断，未写入任何输出。",
    },
    "internal": {
        "en": "Internal error: {detail}. Run again with VIDSWAP_DEBUG=1 for details.",
        "zh-CN": "内部错误：{detail}。设置 VIDSWAP_DEBUG=1 后重新运行可查看详情。",
    },
}


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


@click.group()
@click.version_option(__version__, prog_name="vidswap")
def main() -> None:
    """vidswap: swap the face in a photo into a video or photo."""
    debug = bool(os.environ.get("VIDSWAP_DEBUG"))
    configure_logging(level="DEBUG" if debug else "WARNING")


@main.command()
@click.option(
    "--face",
    "face_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=True),
    help="Photo of the face to put in (JPEG, PNG, WebP, BMP, TIFF, HEIC).",
)
@click.option(
    "--target",
    "target_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=True),
    help="Video (MP4, MOV, MKV, WebM, AVI, GIF) or photo to put the face into.",
)
@click.option(
    "--output",
    "output_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=True),
    help="Output file: .mp4 for a video target, an image extension for a photo target.",
)
@click.option(
    "--faces",
    type=click.Choice([mode.value for mode in FaceSelection]),
    default=FaceSelection.LARGEST.value,
    show_default=True,
    help="Which target faces to replace: the largest person, all people, or the person "
    "shown in --reference.",
)
@click.option(
    "--reference",
    type=click.Path(path_type=Path, dir_okay=True),
    default=None,
    help="Photo of the person in the target to replace; implies --faces reference.",
)
@click.option(
    "--quality",
    type=click.IntRange(0, 51),
    default=18,
    show_default=True,
    help="x264 constant rate factor of the output video: 0 is lossless, 51 the smallest file.",
)
@click.option("--no-audio", is_flag=True, help="Leave the audio out of the output video.")
@click.option(
    "--label/--no-label",
    default=True,
    show_default=True,
    help="Draw a visible 'AI-generated' mark; the metadata tag is written either way.",
)
@click.option(
    "--label-text", default=None, help="Text of the visible mark (default: AI-generated)."
)
@click.option(
    "--label-font",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TrueType/OpenType font file for the mark, needed for Chinese text.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: only when stderr is a terminal).",
)
def swap(
    face_path: Path,
    target_path: Path,
    output_path: Path,
    faces: str,
    reference: Path | None,
    quality: int,
    no_audio: bool,
    label: bool,
    label_text: str | None,
    label_font: Path | None,
    progress: bool | None,
) -> None:
    """Swap the face in --face into --target and write --output."""
    selection = FaceSelection(faces)
    if reference is not None:
        selection = FaceSelection.REFERENCE
    elif selection is FaceSelection.REFERENCE:
        raise click.UsageError("--faces reference needs --reference IMAGE_OF_WHO_TO_REPLACE.")

    label_options = LabelOptions(visible=label, font_path=label_font)
    if label_text:
        label_options = LabelOptions(visible=label, text=label_text, font_path=label_font)
    options = SwapOptions(
        faces=selection,
        reference=reference,
        quality=quality,
        keep_audio=not no_audio,
        label=label_options,
    )
    show_progress = sys.stderr.isatty() if progress is None else progress
    sys.exit(_run_swap(options, face_path, target_path, output_path, show_progress))


def _run_swap(
    options: SwapOptions, face_path: Path, target_path: Path, output_path: Path, show_progress: bool
) -> int:
    from vidswap.swap.pipeline import SwapEngine

    errors = Console(stderr=True, highlight=False)
    try:
        engine = SwapEngine(options)
        with _progress_bar(errors, show_progress) as callback:
            report = engine.swap_file(face_path, target_path, output_path, progress=callback)
    except VidswapError as error:
        errors.print(_say("error", message=error.message(system_locale())), markup=False)
        return error.exit_code
    except KeyboardInterrupt:
        errors.print(_say("interrupted"), markup=False)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last boundary before the user
        log.error(
            "swap.internal_error", error=repr(error), exc_info=bool(os.environ.get("VIDSWAP_DEBUG"))
        )
        errors.print(_say("internal", detail=type(error).__name__), markup=False)
        return EXIT_INTERNAL

    for notice in report.notices:
        errors.print(_say("warning", message=notice.message(system_locale())), markup=False)
    Console(highlight=False).print(
        _say(
            "done",
            output=report.output,
            frames=report.frames,
            swapped=report.frames_swapped,
            seconds=report.seconds,
        ),
        markup=False,
    )
    return 0


@contextmanager
def _progress_bar(console: Console, enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback that drives a bar with frames, frames/s and ETA, or None."""
    if not enabled:
        yield None
        return

    bar = Progress(
        TextColumn("swap"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[fps]:.1f} fps"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
    task = bar.add_task("swap", total=None, fps=0.0)

    def update(progress: SwapProgress) -> None:
        elapsed = progress.elapsed_seconds
        fps = progress.frames_done / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=progress.frames_done, total=progress.frames_total, fps=fps)

    with bar:
        yield update
