"""``vidswap upload`` and ``vidswap task``: the gRPC client on the command line.

Each command signs in with an access token (``--token`` or ``VIDSWAP_TOKEN``,
the access_token of the REST sign-in) and talks to ``--server``. Results go to
stdout, messages and progress bars to stderr.

Exit status: 0 on success and 2 on bad input or an error the caller can fix
(the message names the value). It is 1 when the server is unavailable, on an
internal failure, and when a watched task ends failed or cancelled; 130 on Ctrl-C.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import structlog
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from vidswap.kit.errors import BadInputError, VidswapError
from vidswap.kit.i18n import localize, system_locale

log = structlog.get_logger(__name__)

DEFAULT_SERVER = "127.0.0.1:50051"
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
_SIZE = re.compile(r"(\d+)\s*(B|KIB|KB|K|MIB|MB|M)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024}
_SIZE_UNITS |= {"M": 1024 * 1024, "MB": 1024 * 1024, "MIB": 1024 * 1024}

_TEXT = {
    "error": {"en": "Error: {message}", "zh-CN": "错误：{message}"},
    "interrupted": {"en": "Interrupted.", "zh-CN": "已中断。"},
    "internal": {
        "en": "Internal error: {detail}. Run again with VIDSWAP_DEBUG=1 for details.",
        "zh-CN": "内部错误：{detail}。设置 VIDSWAP_DEBUG=1 后重新运行可查看详情。",
    },
    "uploaded": {
        "en": "Uploaded {path} ({size} bytes) as upload {upload_id}.",
        "zh-CN": "已上传 {path}（{size} 字节），上传 ID 为 {upload_id}。",
    },
    "created": {
        "en": "Created task {task_id} ({status}), costing {energy} Energy.",
        "zh-CN": "已创建任务 {task_id}（{status}），消耗 {energy} 能量。",
    },
    "ended": {
        "en": "Task {task_id} is {status}.",
        "zh-CN": "任务 {task_id} 的状态为 {status}。",
    },
    "cancel_requested": {
        "en": "Requested cancellation of task {task_id}, which is {status}. Its worker stops it shortly. Follow it with `vidswap task watch {task_id}`.",
        "zh-CN": "已请求取消任务 {task_id}（当前状态为 {status}），其工作进程很快会停止它。可用 `vidswap task watch {task_id}` 跟踪。",
    },
    "task_failed": {
        "en": "Task {task_id} failed: {message}",
        "zh-CN": "任务 {task_id} 失败：{message}",
    },
    "downloaded": {
        "en": "Wrote {path} ({size} bytes).",
        "zh-CN": "已写入 {path}（{size} 字节）。",
    },
    "no_tasks": {"en": "No tasks yet.", "zh-CN": "还没有任务。"},
}


class ConsentMissingError(BadInputError):
    code = "consent_required"
    messages = {
        "en": "Add --consent to confirm that you have the consent of the people in both files (see docs/architecture.md).",
        "zh-CN": "请加上 --consent，确认你已获得两个文件中人物的同意（见 docs/architecture.md）。",
    }


class InvalidSizeError(BadInputError):
    code = "invalid_chunk_size"
    messages = {
        "en": "--chunk-size {value!r} is invalid. Write a size such as 65536, 64KiB or 1MiB, at most 4MiB.",
        "zh-CN": "--chunk-size {value!r} 无效。请写成 65536、64KiB 或 1MiB 这样的大小，最大 4MiB。",
    }


class CaFileError(BadInputError):
    code = "tls_ca_unreadable"
    messages = {
        "en": "Cannot read the CA certificate {path} ({detail}). Check --tls-ca.",
        "zh-CN": "无法读取 CA 证书 {path}（{detail}）。请检查 --tls-ca。",
    }


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


def _tell(message: str) -> None:
    click.echo(message, err=True)


def parse_size(text: str) -> int:
    """Return the bytes of a size such as ``65536``, ``64KiB`` or ``1MiB`` (binary units)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise InvalidSizeError(value=text)
    return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").upper()]


def _connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --server, --token, --tls-ca and --progress to a command."""
    options = [
        click.option(
            "--server",
            envvar="VIDSWAP_GRPC_SERVER",
            default=DEFAULT_SERVER,
            show_default=True,
            help="gRPC address host:port (env VIDSWAP_GRPC_SERVER). A comma-separated list "
            "of IPv4 host:port, or dns:///host:port, spreads the calls round-robin.",
        ),
        click.option(
            "--token",
            envvar="VIDSWAP_TOKEN",
            required=True,
            help="Access token of the REST sign-in (env VIDSWAP_TOKEN).",
        ),
        click.option(
            "--tls-ca",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="PEM CA certificate of the server; connects with TLS. Default: plaintext.",
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Show a progress bar (default: only when stderr is a terminal).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run(
    server: str, token: str, tls_ca: Path | None, action: Callable[[Any], int | None]
) -> NoReturn:
    """Run ``action`` with a connected VideoClient and exit with the status of the outcome."""
    from vidswap.grpc.client import VideoClient

    try:
        credentials = _tls_credentials(tls_ca)
        with VideoClient(server, token, tls=credentials, locale=system_locale()) as client:
            status = action(client)
    except VidswapError as error:
        _tell(_say("error", message=for_command_line(error.message(system_locale()))))
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        _tell(_say("interrupted"))
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:  # noqa: BLE001 - the last boundary before the user
        log.error("client.internal_error", error=repr(error))
        _tell(_say("internal", detail=type(error).__name__))
        sys.exit(EXIT_INTERNAL)
    sys.exit(status or 0)


# The server's messages point REST callers at an endpoint; this command has its own.
COMMAND_HINTS = {"GET /api/v1/tasks": "`vidswap task list`"}


def for_command_line(message: str) -> str:
    for endpoint, command in COMMAND_HINTS.items():
        message = message.replace(endpoint, command)
    return message


def _tls_credentials(path: Path | None) -> Any:
    if path is None:
        return None
    import grpc

    try:
        root = path.read_bytes()
    except OSError as exc:
        raise CaFileError(path=path, detail=exc.strerror or type(exc).__name__) from exc
    return grpc.ssl_channel_credentials(root_certificates=root)


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


@contextmanager
def _byte_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a ``progress(done, total)`` callback that drives a transfer bar, or None."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["image", "video"]),
    default=None,
    help="What the file is [default: image for photo extensions, else video].",
)
@click.option(
    "--chunk-size",
    default="1MiB",
    show_default=True,
    help="Bytes per gRPC message: a number, or with KiB or MiB; at most 4MiB.",
)
@click.option(
    "--upload-id",
    default=None,
    help="Continue this upload: only the chunks the server lacks are sent.",
)
@_connection_options
def upload(
    file: Path,
    kind: str | None,
    chunk_size: str,
    upload_id: str | None,
    server: str,
    token: str,
    tls_ca: Path | None,
    progress: bool | None,
) -> None:
    """Upload FILE over gRPC and print its file_url, for `vidswap task create`."""

    def action(client: Any) -> None:
        size = parse_size(chunk_size)
        with _byte_bar("upload", _show_progress(progress)) as callback:
            result = client.upload(
                file, kind or _kind_of(file), size, upload_id=upload_id, progress=callback
            )
        _tell(_say("uploaded", path=file, size=result.size, upload_id=result.upload_id))
        click.echo(result.file_url)

    _run(server, token, tls_ca, action)


def _kind_of(path: Path) -> str:
    photo = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
    return "image" if path.suffix.lower() in photo else "video"


@click.group()
def task() -> None:
    """Create, watch, download, list and cancel swap tasks over gRPC."""


@task.command()
@click.option("--image", "image_url", required=True, help="file_url of the face photo upload.")
@click.option("--video", "video_url", required=True, help="file_url of the target upload.")
@click.option(
    "--consent",
    is_flag=True,
    help="Confirm that you have the consent of the people in both files (required).",
)
@click.option(
    "--faces",
    type=click.Choice(["largest", "all", "reference"]),
    default=None,
    help="Which target faces to replace [default: largest].",
)
@click.option(
    "--reference", "reference_url", default=None, help="file_url of the person to replace."
)
@click.option("--quality", type=click.IntRange(0, 51), default=None, help="x264 CRF [default: 18].")
@click.option("--label/--no-label", default=None, help="Draw the visible AI-generated mark.")
@_connection_options
def create(
    image_url: str,
    video_url: str,
    consent: bool,
    faces: str | None,
    reference_url: str | None,
    quality: int | None,
    label: bool | None,
    server: str,
    token: str,
    tls_ca: Path | None,
    progress: bool | None,
) -> None:
    """Create a swap task and print its id."""

    def action(client: Any) -> None:
        if not consent:
            raise ConsentMissingError()
        options: dict[str, object] = {"faces": faces, "reference_url": reference_url}
        options |= {"quality": quality, "label": label}
        created = client.create_task(image_url, video_url, consent, options)
        _tell(
            _say(
                "created",
                task_id=created.task_id,
                status=created.status,
                energy=created.energy_cost,
            )
        )
        click.echo(created.task_id)

    _run(server, token, tls_ca, action)


@task.command()
@click.argument("task_id")
@_connection_options
def watch(
    task_id: str, server: str, token: str, tls_ca: Path | None, progress: bool | None
) -> None:
    """Follow TASK_ID until it ends; exit 1 when it failed or was cancelled."""

    def action(client: Any) -> int:
        last = None
        with _task_bar(task_id, _show_progress(progress)) as callback:
            for update in client.watch(task_id):
                last = update
                if callback is not None:
                    callback(update)
        if last is None:
            return EXIT_INTERNAL
        if last.status == "failed":
            _tell(_say("task_failed", task_id=task_id, message=last.error_message))
            return EXIT_INTERNAL
        _tell(_say("ended", task_id=task_id, status=last.status))
        click.echo(last.status)
        return 0 if last.status == "completed" else EXIT_INTERNAL

    _run(server, token, tls_ca, action)


@contextmanager
def _task_bar(task_id: str, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
    """Yield a callback that shows a task's status and progress percent, or None."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn(task_id[:12]),
        TextColumn("{task.fields[status]}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    row = bar.add_task(task_id, total=100, status="")

    def update(message: Any) -> None:
        bar.update(row, completed=message.progress, status=message.status)

    with bar:
        yield update


@task.command()
@click.argument("task_id")
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@_connection_options
def download(
    task_id: str,
    output: Path,
    server: str,
    token: str,
    tls_ca: Path | None,
    progress: bool | None,
) -> None:
    """Download the result of TASK_ID to OUTPUT; an existing OUTPUT is continued.

    OUTPUT's extension must fit the result: .mp4 or .m4v for a video, .jpg or .jpeg
    for a JPEG photo, .png for a PNG photo.
    """

    def action(client: Any) -> None:
        with _byte_bar("download", _show_progress(progress)) as callback:
            client.download(task_id, output, callback)
        _tell(_say("downloaded", path=output, size=output.stat().st_size))
        click.echo(output)

    _run(server, token, tls_ca, action)


@task.command(name="list")
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Maximum number of tasks to list.",
)
@_connection_options
def list_command(
    limit: int, server: str, token: str, tls_ca: Path | None, progress: bool | None
) -> None:
    """List your tasks, newest first: id, status, progress and creation time."""

    def action(client: Any) -> None:
        tasks = client.list_tasks(page_size=min(limit, 100), limit=limit)
        if not tasks:
            _tell(_say("no_tasks"))
        for item in tasks:
            click.echo(f"{item.task_id}\t{item.status}\t{item.progress}%\t{item.created_at}")

    _run(server, token, tls_ca, action)


@task.command()
@click.argument("task_id")
@_connection_options
def cancel(
    task_id: str, server: str, token: str, tls_ca: Path | None, progress: bool | None
) -> None:
    """Cancel TASK_ID and print its status afterwards.

    A pending task is cancelled at once. A processing one stays processing until
    its worker stops it, which `vidswap task watch` shows.
    """

    def action(client: Any) -> None:
        cancelled = client.cancel(task_id)
        if cancelled.status == "cancelled":
            _tell(_say("ended", task_id=task_id, status=cancelled.status))
        else:
            _tell(_say("cancel_requested", task_id=task_id, status=cancelled.status))
        click.echo(cancelled.status)

    _run(server, token, tls_ca, action)
