"""One attempt at one task: claim, fetch inputs, swap, store the result, settle.

When browsers cannot play the target video, the attempt also writes and stores
a browser-playable copy of it before the task completes.

The swap runs in a thread while a ``LeaseKeeper`` renews the lease, stores
progress and watches for a cancel request, a lost lease or a worker shutdown.
Any of those sets the engine's cancel flag, so the engine stops at the next frame.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from vidswap.accounts.models import User
from vidswap.billing.benefits import label_removal_allowed, retention_days
from vidswap.jobs.errors import TaskAttemptsExhaustedError, UploadNotFoundError
from vidswap.jobs.models import Task, TaskStatus
from vidswap.jobs.notices import FACE, REFERENCE, TARGET, EnergyReturned, stored_notices
from vidswap.kit.clock import utcnow
from vidswap.kit.db import transaction
from vidswap.kit.errors import BadInputError, VidswapError
from vidswap.kit.i18n import DEFAULT_LOCALE
from vidswap.media import keys
from vidswap.media.models import Upload
from vidswap.runtime import Runtime
from vidswap.swap.errors import (
    OutputExtensionMissingError,
    OutputFormatError,
    OutputNotWritableError,
)
from vidswap.swap.options import (
    DEFAULT_LABEL_TEXT,
    FaceSelection,
    LabelOptions,
    ProgressCallback,
    SwapOptions,
)
from vidswap.worker import transitions
from vidswap.worker.lease import LeaseKeeper, StopReason
from vidswap.worker.media import FetchedInput, fetch_upload, output_extension, write_thumbnail
from vidswap.worker.metrics import PROCESSING_SECONDS
from vidswap.worker.preview import StagedProgress, plan_target_preview, preview_frame_cost

if TYPE_CHECKING:
    from vidswap.swap.pipeline import SwapReport

log = structlog.get_logger(__name__)

# The role of each task input, by its request field, as notices name it.
FILE_ROLES = {"image_url": FACE, "video_url": TARGET, "reference_url": REFERENCE}

# Engine errors about the output file are bad input on the command line, but
# here the worker chose the output path, so they are retried like other failures.
WORKER_SIDE_ERRORS = (OutputNotWritableError, OutputExtensionMissingError, OutputFormatError)


@dataclass
class WorkerContext:
    """State shared by every task attempt of one worker process."""

    runtime: Runtime
    worker_id: str
    # Set on SIGINT/SIGTERM: running attempts give their tasks back to the queue.
    stopping: threading.Event = field(default_factory=threading.Event)


class AttemptStopped(Exception):
    """The attempt stopped early; ``LeaseKeeper.reason`` contains the cause."""


async def run_task(context: WorkerContext, task_id: str) -> None:
    """Run one queue message for ``task_id``.

    Errors settle the task or are logged, so no ``Exception`` reaches the consumer.
    """
    with structlog.contextvars.bound_contextvars(task_id=task_id, worker=context.worker_id):
        try:
            await _run_claimed(context, task_id)
        except Exception:  # the queue consumer must keep running; the reaper recovers the task
            log.exception("task.attempt_crashed")


async def _run_claimed(context: WorkerContext, task_id: str) -> None:
    runtime = context.runtime
    task = await transitions.reload(runtime, task_id)
    if task is None or task.status != TaskStatus.PENDING:
        log.info("task.skipped", status=None if task is None else task.status)
        return
    if context.stopping.is_set():
        # This message was taken off the queue after the stop signal: hand it back.
        await asyncio.to_thread(runtime.queue.enqueue, task.id, task.priority)
        return

    from vidswap.jobs import repository

    async with transaction(runtime.sessionmaker) as session:
        claimed = await repository.claim(
            session, task_id, context.worker_id, runtime.settings.lease_seconds
        )
    if not claimed:
        log.info("task.claimed_elsewhere")
        return
    task = await transitions.reload(runtime, task_id)
    if task is None:
        return
    log.info("task.claimed", attempt=task.attempts)
    await transitions._publish_current(runtime, task_id, "task.processing")

    folder = runtime.settings.tmp_dir / "tasks" / task_id
    shutil.rmtree(folder, ignore_errors=True)  # left by a worker that was killed
    folder.mkdir(parents=True)
    started = time.monotonic()
    outcome = "crashed"
    try:
        outcome = await _attempt(context, task, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        PROCESSING_SECONDS.labels(outcome).observe(time.monotonic() - started)


async def _attempt(context: WorkerContext, task: Task, folder: Path) -> str:
    runtime = context.runtime
    owner = context.worker_id
    keeper = LeaseKeeper(runtime, task, owner, context.stopping)
    keeper.start()
    try:
        outputs = await _swap(runtime, task, folder, keeper)
        stored = await _store_result(runtime, task, outputs)
    except AttemptStopped:
        return await _settle_stopped(runtime, task, owner, keeper.reason)
    except BadInputError as error:
        if keeper.reason is not None:
            return await _settle_stopped(runtime, task, owner, keeper.reason)
        if isinstance(error, WORKER_SIDE_ERRORS):
            return await _settle_transient(runtime, task, owner, error, keeper.path_names)
        params = _display_params(error.params, keeper.path_names)
        if await transitions.fail(runtime, task, owner, error.code, params):
            return "failed"
        return await _settle_stopped(runtime, task, owner, StopReason.LEASE_LOST)
    except Exception as error:  # storage, database or engine failure: may pass on retry
        if keeper.reason is not None:
            return await _settle_stopped(runtime, task, owner, keeper.reason)
        return await _settle_transient(runtime, task, owner, error, keeper.path_names)
    finally:
        await keeper.stop()

    if await transitions.complete(runtime, task, owner, charge=outputs.face_replaced, **stored):
        log.info("task.completed", seconds=stored["processing_seconds"])
        return "completed"
    # The task was cancelled, deleted or taken over while the result was stored.
    # Its files are removed unless another worker now owns the task (and will
    # overwrite them under the same keys).
    outcome = await _settle_stopped(runtime, task, owner, StopReason.LEASE_LOST)
    if outcome != "lost":
        await asyncio.to_thread(runtime.storage.delete_prefix, _task_prefix(task))
    return outcome


@dataclass(frozen=True)
class SwapOutputs:
    """Files an attempt made: the result, and a browser-playable copy of the target
    when browsers cannot play the original."""

    result: Path
    target_preview: Path | None = None
    # The engine's notices as vidswap.jobs.notices stores them.
    notices: list[dict[str, Any]] = field(default_factory=list)
    # False when no frame had a face replaced: the task is then not charged.
    face_replaced: bool = True


async def _swap(runtime: Runtime, task: Task, folder: Path, keeper: LeaseKeeper) -> SwapOutputs:
    inputs = await _fetch_inputs(runtime, task, folder)
    face, target = inputs["image_url"], inputs["video_url"]
    reference = inputs.get("reference_url")
    output = folder / f"result{output_extension(target.path)}"
    for field_name, fetched in inputs.items():
        keeper.path_names[str(fetched.path)] = fetched.display_name or field_name
    keeper.path_names[str(output)] = "the result"

    options = SwapOptions(
        faces=FaceSelection(task.options.get("faces", "largest")),
        reference=reference.path if reference else None,
        quality=int(task.options.get("quality", 18)),
        label=await _label_options(runtime, task),
    )
    preview_method = None
    if output.suffix == ".mp4":
        preview_method = await asyncio.to_thread(plan_target_preview, target.path, task.id)
    progress = StagedProgress(keeper.report_progress, preview_frame_cost(preview_method))
    keeper.check()
    report = await asyncio.to_thread(
        _swap_in_thread, options, face.path, target.path, output, keeper, progress.swap
    )
    keeper.check()
    preview = None
    if preview_method is not None:
        preview = await _write_target_preview(task, target.path, folder, keeper, progress.preview)
        keeper.check()
    files = {
        str(fetched.path): (FILE_ROLES[field_name], fetched.filename)
        for field_name, fetched in inputs.items()
    }
    notices = stored_notices(report.notices, files)
    face_replaced = report.frames_swapped > 0
    if not face_replaced:
        notices.append({"code": EnergyReturned.code, "params": {"energy": task.energy_cost}})
    return SwapOutputs(
        result=output, target_preview=preview, notices=notices, face_replaced=face_replaced
    )


def _swap_in_thread(
    options: SwapOptions,
    face: Path,
    target: Path,
    output: Path,
    keeper: LeaseKeeper,
    progress: ProgressCallback,
) -> SwapReport:
    from vidswap.swap.errors import SwapCancelledError
    from vidswap.swap.pipeline import SwapEngine

    engine = SwapEngine(options)
    try:
        return engine.swap_file(
            face, target, output, progress=progress, cancel=keeper.cancel_flag.is_set
        )
    except SwapCancelledError as exc:
        raise AttemptStopped() from exc
    finally:
        engine.close()


async def _write_target_preview(
    task: Task, target: Path, folder: Path, keeper: LeaseKeeper, progress: ProgressCallback
) -> Path | None:
    """Write the browser-playable copy of ``target``; return None when that fails,
    because a missing copy must not fail a swap that succeeded."""
    from vidswap.swap.errors import SwapCancelledError
    from vidswap.swap.media.browser import write_browser_copy

    output = folder / "target-preview.mp4"
    try:
        await asyncio.to_thread(
            write_browser_copy,
            target,
            output,
            progress=progress,
            cancel=keeper.cancel_flag.is_set,
        )
    except SwapCancelledError as exc:
        raise AttemptStopped() from exc
    except Exception as error:  # any media or encoder failure: the task completes without it
        log.warning("task.target_preview_failed", task_id=task.id, error=str(error), exc_info=error)
        return None
    return output


async def _label_options(runtime: Runtime, task: Task) -> LabelOptions:
    """Return the label in the owner's language, drawn unless the task leaves it out and
    the operator and the owner's level still allow that (either may change after creation)."""
    from vidswap.swap.media.label import label_text_for

    async with runtime.sessionmaker() as session:
        owner = await session.get(User, task.user_id)
        visible = task.options.get("label", True) or not await label_removal_allowed(
            session, task.user_id, runtime.settings, utcnow()
        )
    locale = owner.locale if owner else DEFAULT_LOCALE
    text = await asyncio.to_thread(label_text_for, locale) if visible else DEFAULT_LABEL_TEXT
    return LabelOptions(visible=visible, text=text)


async def _fetch_inputs(runtime: Runtime, task: Task, folder: Path) -> dict[str, FetchedInput]:
    upload_ids = {"image_url": task.image_upload_id, "video_url": task.video_upload_id}
    if task.options.get("reference_upload_id"):
        upload_ids["reference_url"] = task.options["reference_upload_id"]
    urls = {
        "image_url": task.image_url,
        "video_url": task.video_url,
        "reference_url": task.options.get("reference_url", ""),
    }
    fetched: dict[str, FetchedInput] = {}
    for field_name, upload_id in upload_ids.items():
        async with runtime.sessionmaker() as session:
            upload = await session.get(Upload, upload_id) if upload_id else None
        if upload is None or upload.storage_key is None:
            # Deleted since the task was created; no retry can bring it back.
            raise UploadNotFoundError(field=field_name, url=urls[field_name])
        stem = field_name.removesuffix("_url")
        try:
            fetched[field_name] = await asyncio.to_thread(
                fetch_upload, runtime.storage, upload, folder, stem
            )
        except FileNotFoundError as exc:
            raise UploadNotFoundError(field=field_name, url=urls[field_name]) from exc
    return fetched


async def _store_result(runtime: Runtime, task: Task, outputs: SwapOutputs) -> dict[str, Any]:
    result = outputs.result
    result_key = keys.result_key(task.user_id, task.id)
    if result.suffix != ".mp4":
        result_key = result_key.rsplit(".", 1)[0] + result.suffix
    thumbnail_key = keys.thumbnail_key(task.user_id, task.id)
    thumbnail = result.with_name("thumbnail.jpg")
    content_type = {".mp4": "video/mp4", ".png": "image/png"}.get(result.suffix, "image/jpeg")

    await asyncio.to_thread(write_thumbnail, result, thumbnail)
    stored = await asyncio.to_thread(runtime.storage.put_file, result_key, result, content_type)
    await asyncio.to_thread(runtime.storage.put_file, thumbnail_key, thumbnail, "image/jpeg")
    preview_key = None
    if outputs.target_preview is not None:
        preview_key = await _store_target_preview(runtime, task, outputs.target_preview)
    now = utcnow()
    seconds = None
    if task.started_at is not None:
        seconds = (now - task.started_at).total_seconds()
    async with runtime.sessionmaker() as session:
        retention = await retention_days(session, task.user_id, now)
    return {
        "result_key": result_key,
        "result_size": stored.size,
        "thumbnail_key": thumbnail_key,
        "target_preview_key": preview_key,
        "processing_seconds": seconds,
        "result_expires_at": now + timedelta(days=retention),
        "notices": outputs.notices,
    }


async def _store_target_preview(runtime: Runtime, task: Task, preview: Path) -> str | None:
    """Store the target's browser-playable copy beside the result, under the task's
    prefix, so deleting the task, its result or the account deletes it too."""
    key = keys.target_preview_key(task.user_id, task.id)
    try:
        await asyncio.to_thread(runtime.storage.put_file, key, preview, "video/mp4")
    except Exception as error:  # the result is stored, so the task completes without the copy
        log.warning(
            "task.target_preview_store_failed", task_id=task.id, error=str(error), exc_info=error
        )
        return None
    return key


async def _settle_stopped(
    runtime: Runtime, task: Task, owner: str, reason: StopReason | None
) -> str:
    if reason is StopReason.SHUTDOWN and await transitions.release(runtime, task, owner):
        log.info("task.released", reason="worker stopping")
        return "released"
    current = await transitions.reload(runtime, task.id)
    if current is None:
        log.info("task.gone", reason="deleted while running")
        return "deleted"
    if current.cancel_requested and current.lease_owner == owner:
        await transitions.finish_cancelled(runtime, task, owner)
        return "cancelled"
    log.warning("task.lease_lost", status=current.status, owner=current.lease_owner)
    return "lost"


async def _settle_transient(
    runtime: Runtime, task: Task, owner: str, error: Exception, names: dict[str, str]
) -> str:
    settings = runtime.settings
    code = error.code if isinstance(error, VidswapError) else type(error).__name__
    log.warning("task.attempt_failed", error=code, attempt=task.attempts, exc_info=error)
    if task.attempts >= settings.task_max_attempts:
        exhausted = TaskAttemptsExhaustedError(attempts=task.attempts, detail=code)
        if await transitions.fail(runtime, task, owner, exhausted.code, exhausted.params):
            return "failed"
    else:
        delay = settings.task_retry_delay_seconds * 2 ** (task.attempts - 1)
        params = _display_params(getattr(error, "params", {}), names)
        if await transitions.retry_later(runtime, task, owner, delay, code, params):
            log.info("task.retry_scheduled", delay=delay)
            return "retrying"
    return await _settle_stopped(runtime, task, owner, StopReason.LEASE_LOST)


def _display_params(params: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Replace the worker's temporary paths in error parameters with the names the
    user knows the files by, so a stored message never shows a worker's folders."""
    display_params: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, str):
            for path, display in names.items():
                value = value.replace(path, display)
        elif not isinstance(value, int | float | bool) and value is not None:
            value = str(value)
        display_params[name] = value
    return display_params


def _task_prefix(task: Task) -> str:
    return keys.result_key(task.user_id, task.id).rsplit("/", 1)[0]
