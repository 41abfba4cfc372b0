"""The ``vidswap`` command.

Exit status: 0 on success, 2 on bad input or usage (the message names the file
or value and what is wrong), 1 on an internal failure, 130 when interrupted
with Ctrl-C (SIGINT) and 143 on SIGTERM. An interrupted swap leaves no output
file and no temporary file behind.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

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
from vidswap.entry import EXIT_INTERRUPTED, INTERRUPTED_MESSAGES
from vidswap.kit.errors import VidswapError
from vidswap.kit.i18n import localize, system_locale
from vidswap.kit.logging import configure_logging
from vidswap.swap.options import (
    DEFAULT_LABEL_TEXT,
    MAX_LABEL_TEXT_LENGTH,
    FaceSelection,
    LabelOptions,
    ProgressCallback,
    SwapOptions,
)
from vidswap.swap.options import Progress as SwapProgress

if TYPE_CHECKING:
    from vidswap.swap.pipeline import SwapReport

log = structlog.get_logger(__name__)

EXIT_INTERNAL = 1
EXIT_TERMINATED = 128 + signal.SIGTERM

_TEXT = {
    "done": {
        "en": "Wrote {output}: {frames} frame(s), {swapped} with a swapped face, in {seconds:.1f} s.",
        "zh-CN": "已写入 {output}：共 {frames} 帧，其中 {swapped} 帧完成换脸，用时 {seconds:.1f} 秒。",
    },
    "done_photo": {
        "en": "Wrote {output}: the face was swapped, in {seconds:.1f} s.",
        "zh-CN": "已写入 {output}：已完成换脸，用时 {seconds:.1f} 秒。",
    },
    "done_photo_no_face": {
        "en": "Wrote {output}: no face was swapped, in {seconds:.1f} s.",
        "zh-CN": "已写入 {output}：未替换任何人脸，用时 {seconds:.1f} 秒。",
    },
    "warning": {"en": "Warning: {message}", "zh-CN": "警告：{message}"},
    "error": {"en": "Error: {message}", "zh-CN": "错误：{message}"},
    "interrupted": INTERRUPTED_MESSAGES,
    "internal": {
        "en": "Internal error: {detail}. Run again with VIDSWAP_DEBUG=1 for details.",
        "zh-CN": "内部错误：{detail}。设置 VIDSWAP_DEBUG=1 后重新运行可查看详情。",
    },
    # With VIDSWAP_DEBUG set, the swap.internal_error log line above carries the traceback.
    "internal_debug": {
        "en": "Internal error: {detail}. The traceback is in the log above.",
        "zh-CN": "内部错误：{detail}。错误的回溯信息见上方日志。",
    },
    "reference_missing": {
        "en": "--faces reference needs --reference IMAGE_OF_WHO_TO_REPLACE, a photo of the person to replace.",
        "zh-CN": "--faces reference 需要用 --reference 指定一张要替换的人的照片。",
    },
    "reference_conflict": {
        "en": "--reference picks the person to replace, so it cannot be combined with --faces {faces}; drop one of them.",
        "zh-CN": "--reference 用于指定要替换的人，不能与 --faces {faces} 同时使用，请去掉其中一个。",
    },
}


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


def _debug() -> bool:
    return bool(os.environ.get("VIDSWAP_DEBUG"))


@click.group()
@click.version_option(__version__, prog_name="vidswap")
def main() -> None:
    """vidswap: swap the face in a photo into a video or photo."""
    _separate_python_stderr()
    configure_logging(level="DEBUG" if _debug() else "WARNING")


def _add_service_commands() -> None:
    from vidswap.commands.service import api, db, grpc_command, serve, worker

    for command in (serve, api, grpc_command, worker, db):
        main.add_command(command)
    from vidswap.commands.client import task, upload

    for command in (upload, task):
        main.add_command(command)
    from vidswap.commands.billing import COMMANDS

    for command in COMMANDS:
        main.add_command(command)
    from vidswap.commands.webapp import app_command

    main.add_command(app_command)


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
    help="Output file: .mp4 or .m4v for a video target, an image extension for a photo target.",
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
    "--label-text",
    default=None,
    help=(
        f"Text of the visible mark, at most {MAX_LABEL_TEXT_LENGTH} characters; a text too "
        "wide for the frame is drawn smaller (default: AI-generated; AI生成 in a Chinese "
        "locale when a font on this machine has the characters)."
    ),
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
    help="Show a progress bar with frames/s and ETA (default: only when stderr is a terminal).",
)
@click.pass_context
def swap(
    context: click.Context,
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
    selection = _face_selection(context, faces, reference)

    if not label_text and label:
        try:
            label_text = _default_label_text(label_font)
        except KeyboardInterrupt:
            # Loading the label module and searching the fonts takes about 0.1 s,
            # long enough for a Ctrl-C to arrive here before the swap starts.
            _tell(_say("interrupted"))
            sys.exit(EXIT_INTERRUPTED)
    label_options = LabelOptions(
        visible=label, text=label_text or DEFAULT_LABEL_TEXT, font_path=label_font
    )
    options = SwapOptions(
        faces=selection,
        reference=reference,
        quality=quality,
        keep_audio=not no_audio,
        label=label_options,
    )
    show_progress = sys.stderr.isatty() if progress is None else progress
    sys.exit(_run_swap(options, face_path, target_path, output_path, show_progress))


def _default_label_text(label_font: Path | None) -> str:
    """Return the mark's text in this process's locale, in English when no font can draw it."""
    from vidswap.swap.media.label import label_text_for

    try:
        return label_text_for(system_locale(), label_font)
    except VidswapError:
        # A missing or unreadable --label-font: the swap reports it with its exit status.
        return DEFAULT_LABEL_TEXT


def _face_selection(context: click.Context, faces: str, reference: Path | None) -> FaceSelection:
    """Return the selection mode; --reference alone implies ``reference``."""
    selection = FaceSelection(faces)
    faces_given = context.get_parameter_source("faces") is not click.core.ParameterSource.DEFAULT
    if reference is not None:
        if faces_given and selection is not FaceSelection.REFERENCE:
            _reject_usage(context, _say("reference_conflict", faces=faces))
        return FaceSelection.REFERENCE
    if selection is FaceSelection.REFERENCE:
        _reject_usage(context, _say("reference_missing"))
    return selection


def _reject_usage(context: click.Context, message: str) -> NoReturn:
    """Exit with status 2 after a usage message in the user's language.

    click.UsageError would print its English "Usage:" and "Error:" frame around it.
    """
    _tell(_say("error", message=message))
    context.exit(2)


def _run_swap(
    options: SwapOptions, face_path: Path, target_path: Path, output_path: Path, show_progress: bool
) -> int:
    try:
        with _sigterm_as_interrupt(), _native_logs_muted():
            from vidswap.swap.pipeline import SwapEngine

            engine = SwapEngine(options)
            try:
                with _progress_bar(show_progress) as callback:
                    report = engine.swap_file(
                        face_path, target_path, output_path, progress=callback
                    )
            finally:
                engine.close()
    except VidswapError as error:
        _tell(_say("error", message=error.message(system_locale())))
        return error.exit_code
    except TerminateRequest:
        _tell(_say("interrupted"))
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _tell(_say("interrupted"))
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last boundary before the user
        log.error("swap.internal_error", error=repr(error), exc_info=_debug())
        _tell(_say("internal_debug" if _debug() else "internal", detail=type(error).__name__))
        return EXIT_INTERNAL

    for notice in report.notices:
        _tell(_say("warning", message=notice.message(system_locale())))
    click.echo(_summary(report))
    return 0


def _summary(report: SwapReport) -> str:
    """Return the closing line: frame counts for a video, one outcome for a photo."""
    from vidswap.swap.media.sniff import MediaKind

    if report.target_kind is MediaKind.IMAGE:
        key = "done_photo" if report.frames_swapped else "done_photo_no_face"
        return _say(key, output=report.output, seconds=report.seconds)
    return _say(
        "done",
        output=report.output,
        frames=report.frames,
        swapped=report.frames_swapped,
        seconds=report.seconds,
    )


def _tell(message: str) -> None:
    """Write one message to stderr as a single line, unwrapped, so it stays greppable."""
    click.echo(message, err=True)


class TerminateRequest(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the engine deletes its partial output."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Raise TerminateRequest on SIGTERM while the body runs, then restore the old handler."""

    def raise_terminate(signum: int, frame: object) -> None:
        raise TerminateRequest()

    previous = signal.signal(signal.SIGTERM, raise_terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _separate_python_stderr() -> None:
    """Point sys.stderr at a duplicate of file descriptor 2.

    Python output (messages, the progress bar, logs) then reaches the terminal
    even while ``_native_logs_muted`` points descriptor 2 itself at /dev/null.
    Does nothing when sys.stderr is not descriptor 2, as under a test runner.
    """
    try:
        if sys.stderr is None or sys.stderr.fileno() != 2:
            return
    except (AttributeError, OSError, ValueError):
        return
    sys.stderr.flush()
    sys.stderr = open(  # noqa: SIM115 - lives as long as the process, like sys.stderr
        os.dup(2),
        "w",
        encoding=sys.stderr.encoding,
        errors=sys.stderr.errors,
        buffering=1,
    )


@contextmanager
def _native_logs_muted() -> Iterator[None]:
    """Send native writes to file descriptor 2 to /dev/null while the body runs.

    MediaPipe and TFLite log from C++ straight to descriptor 2 ("INFO: Created
    TensorFlow Lite XNNPACK delegate", absl "W0000 ..." lines) whenever a graph
    starts, which happens again mid-video for each new tracked face.
    GLOG_minloglevel and TF_CPP_MIN_LOG_LEVEL do not stop them (checked with
    mediapipe 0.10.21). Python's own stderr is not affected once
    ``_separate_python_stderr`` has run. VIDSWAP_DEBUG=1 keeps the native logs.
    """
    # NOTE: this also hides a native crash report (a C++ abort message); rerun
    # with VIDSWAP_DEBUG=1 to see it.
    if _debug():
        yield
        return

    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback that drives a bar, or None when the bar is off.

    The bar shows frames done, percent, frames/s, elapsed time and ETA.
    """
    if not enabled:
        yield None
        return

    bar = Progress(
        TextColumn("swap"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[fps]:.1f} frames/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    task = bar.add_task("swap", total=None, fps=0.0)

    def update(progress: SwapProgress) -> None:
        elapsed = progress.elapsed_seconds
        fps = progress.frames_done / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=progress.frames_done, total=progress.frames_total, fps=fps)

    with bar:
        yield update


_add_service_commands()
