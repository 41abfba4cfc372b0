"""Task errors with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import BadInputError, ConflictError, NotFoundError, VidswapError


class ConsentRequiredError(BadInputError):
    code = "consent_required"
    messages = {
        "en": "Send consent: true to confirm this statement: {statement}",
        "zh-CN": "请发送 consent: true 以确认以下声明：{statement}",
    }


class InvalidMediaUrlError(BadInputError):
    code = "invalid_media_url"
    messages = {
        "en": "{field} {url!r} is not an upload file URL. Upload the file first and send "
        "the file_url it returns, such as /api/v1/uploads/<upload_id>/file.",
        "zh-CN": "{field} {url!r} 不是上传文件地址。请先上传文件，再发送上传返回的 file_url，"
        "例如 /api/v1/uploads/<upload_id>/file。",
    }


class UploadNotFoundError(NotFoundError):
    code = "upload_not_found"
    messages = {
        "en": "No upload of yours is at {field} {url!r}. Upload the file again and use "
        "the file_url it returns.",
        "zh-CN": "{field} {url!r} 处没有您的上传文件。请重新上传，并使用上传返回的 file_url。",
    }


class UploadNotReadyError(ConflictError):
    code = "upload_not_ready"
    messages = {
        "en": "The upload at {field} {url!r} is not complete. Finish the upload, then "
        "create the task.",
        "zh-CN": "{field} {url!r} 处的文件尚未上传完成。请完成上传后再创建任务。",
    }


class UploadKindError(BadInputError):
    code = "wrong_upload_kind"
    messages = {
        "en": "{field} {url!r} is a {kind} upload, but {field} needs {expected}.",
        "zh-CN": "{field} {url!r} 是{kind}类型的上传，但 {field} 需要{expected}。",
    }


class InvalidTaskOptionError(BadInputError):
    code = "invalid_option"
    messages = {
        "en": "Invalid option {name}={value!r}: {hint}",
        "zh-CN": "选项 {name}={value!r} 无效：{hint_zh}",
    }


class TaskNotFoundError(NotFoundError):
    code = "task_not_found"
    messages = {
        "en": "Task {task_id} was not found. List your tasks with GET /api/v1/tasks.",
        "zh-CN": "未找到任务 {task_id}。可通过 GET /api/v1/tasks 查看您的任务。",
    }


class TaskFinishedError(ConflictError):
    code = "task_finished"
    messages = {
        "en": "Task {task_id} is already {status} and cannot be cancelled. "
        "Delete it with DELETE /api/v1/tasks/{task_id}.",
        "zh-CN": "任务 {task_id} 已处于 {status} 状态，无法取消。"
        "可通过 DELETE /api/v1/tasks/{task_id} 删除。",
    }


class ResultNotReadyError(ConflictError):
    code = "result_not_ready"
    messages = {
        "en": "Task {task_id} is {status} and has no result. Wait until its status is completed.",
        "zh-CN": "任务 {task_id} 当前为 {status} 状态，尚无结果。请等待状态变为 completed。",
    }


class ResultUnavailableError(ConflictError):
    """A task that ended without a result, or whose result was deleted after retention."""

    code = "result_unavailable"
    messages = {
        "en": "{reason} Create a new task to get a result.",
        "zh-CN": "{reason_zh}如需结果，请新建任务。",
    }
    # Task status -> the reason in en and zh-CN. A completed task lands here only
    # after the retention purge cleared its result.
    reasons = {
        "failed": (
            "Task {task_id} failed, so it has no result.",
            "任务 {task_id} 处理失败，没有结果。",
        ),
        "cancelled": (
            "Task {task_id} was cancelled, so it has no result.",
            "任务 {task_id} 已取消，没有结果。",
        ),
        "completed": (
            "The result of task {task_id} was deleted when your plan's retention period ended.",
            "任务 {task_id} 的结果已超过套餐的保留期限，已被删除。",
        ),
    }

    def __init__(self, *, task_id: str, status: str) -> None:
        reason, reason_zh = self.reasons[status]
        super().__init__(
            task_id=task_id,
            status=status,
            reason=reason.format(task_id=task_id),
            reason_zh=reason_zh.format(task_id=task_id),
        )


def no_result_error(task_id: str, status: str) -> ConflictError:
    """Return the error for a task without a result file: unavailable once it ended, else not ready."""
    if status in ResultUnavailableError.reasons:
        return ResultUnavailableError(task_id=task_id, status=status)
    return ResultNotReadyError(task_id=task_id, status=status)


class ResultFileMissingError(NotFoundError):
    code = "result_file_missing"
    messages = {
        "en": "The result file of task {task_id} is missing from storage. Delete the task "
        "with DELETE /api/v1/tasks/{task_id} and create it again.",
        "zh-CN": "任务 {task_id} 的结果文件已不在存储中。请通过 DELETE /api/v1/tasks/{task_id} "
        "删除该任务后重新创建。",
    }


class InvalidPageError(BadInputError):
    code = "invalid_page"
    messages = {
        "en": "Invalid paging parameter {name}={value!r}: {hint}",
        "zh-CN": "分页参数 {name}={value!r} 无效：{hint_zh}",
    }


class TaskAttemptsExhaustedError(VidswapError):
    """Stored on a task whose worker failed ``attempts`` times with transient errors."""

    code = "task_attempts_exhausted"
    messages = {
        "en": "Processing failed {attempts} times ({detail}). Your Energy was refunded; "
        "create the task again later.",
        "zh-CN": "处理失败 {attempts} 次（{detail}）。能量已退回，请稍后重新创建任务。",
    }


class TargetPreviewNotFoundError(NotFoundError):
    """The task has no browser-playable copy of its target, or its file is gone."""

    code = "target_preview_not_found"
    messages = {
        "en": "Task {task_id} has no playable copy of its original video. Use target_url "
        "to get the original.",
        "zh-CN": "任务 {task_id} 没有原始视频的可播放副本。请使用 target_url 获取原始视频。",
    }


class TargetNotFoundError(NotFoundError):
    """The task's target upload, or its stored file, no longer exists."""

    code = "target_not_found"
    messages = {
        "en": "The original video or photo of task {task_id} is no longer stored.",
        "zh-CN": "任务 {task_id} 的原始视频或照片已不再保存。",
    }


class NoFaceInTargetPhotoError(BadInputError):
    """A target photo without a face. The swap would return it unchanged, so POST /tasks
    rejects it before Energy is held."""

    code = "face_not_found"
    messages = {
        "en": "No face was found in the target photo {filename!r}. Pick a photo or video "
        "that shows a face.",
        "zh-CN": "在目标照片 {filename!r} 中未检测到人脸，请选择一张有人脸的照片或视频。",
    }
