"""Upload and download errors with their user messages."""

from __future__ import annotations

from vidswap.kit.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
)


class UploadNotFoundError(NotFoundError):
    code = "upload_not_found"
    messages = {
        "en": "Upload {upload_id} was not found. Check the id, or upload the file again.",
        "zh-CN": "未找到上传 {upload_id}，请检查 ID 或重新上传文件。",
    }


class UploadTooLargeError(PayloadTooLargeError):
    code = "upload_too_large"
    messages = {
        "en": (
            "The file is larger than the limit of {limit_mib} MiB ({limit} bytes) for "
            "kind={kind}. Choose a smaller file or compress it."
        ),
        "zh-CN": "文件超过了 kind={kind} 的 {limit_mib} MiB（{limit} 字节）上限，请选择更小的文件或先压缩。",
    }


class InvalidKindError(BadInputError):
    code = "upload_invalid_kind"
    messages = {
        "en": "The upload kind {kind!r} is invalid. Send kind=image or kind=video.",
        "zh-CN": "上传类型 {kind!r} 无效，请使用 kind=image 或 kind=video。",
    }


class MissingKindError(BadInputError):
    code = "upload_missing_kind"
    messages = {
        "en": "The request has no 'kind' field. Send the multipart field kind=image or "
        "kind=video before 'file'.",
        "zh-CN": "请求中没有 'kind' 字段。请在 'file' 之前以 multipart 字段发送 kind=image 或 kind=video。",
    }


class TusMissingKindError(MissingKindError):
    """``upload_missing_kind`` for tus, where the kind goes base64-encoded in Upload-Metadata."""

    messages = {
        "en": "Upload-Metadata has no kind. Add 'kind aW1hZ2U=' (image in base64) or "
        "'kind dmlkZW8=' (video in base64) to it.",
        "zh-CN": "Upload-Metadata 中没有 kind。请在其中加入 'kind aW1hZ2U='（image 的 base64）"
        "或 'kind dmlkZW8='（video 的 base64）。",
    }


class TusInvalidKindError(InvalidKindError):
    """``upload_invalid_kind`` for tus, where the kind goes base64-encoded in Upload-Metadata."""

    messages = {
        "en": "The kind {kind!r} in Upload-Metadata is invalid. Set kind to image or video, "
        "base64-encoded: 'kind aW1hZ2U=' or 'kind dmlkZW8='.",
        "zh-CN": "Upload-Metadata 中的 kind {kind!r} 无效。请将 kind 设为 image 或 video 的 base64："
        "'kind aW1hZ2U=' 或 'kind dmlkZW8='。",
    }


class MissingFileError(BadInputError):
    code = "upload_missing_file"
    messages = {
        "en": "The request has no file. Send it as the multipart field 'file'.",
        "zh-CN": "请求中没有文件，请以 multipart 字段 'file' 发送。",
    }


class MalformedUploadError(BadInputError):
    code = "upload_malformed"
    messages = {
        "en": "The upload request is malformed ({detail}). Send multipart/form-data with 'file' and 'kind'.",
        "zh-CN": "上传请求格式错误（{detail}），请以 multipart/form-data 发送 'file' 和 'kind'。",
    }


class InvalidBase64Error(BadInputError):
    code = "upload_invalid_base64"
    messages = {
        "en": "The field 'data' is not valid base64 ({detail}). Send the image bytes base64-encoded.",
        "zh-CN": "字段 'data' 不是有效的 base64（{detail}），请发送 base64 编码的图片数据。",
    }


class KindMismatchError(BadInputError):
    """The file's content is not the kind the client declared."""

    code = "upload_kind_mismatch"


class ImageSentAsVideoError(KindMismatchError):
    messages = {
        "en": "{filename} is a photo, but kind=video was sent. Send it with kind=image, or choose a video.",
        "zh-CN": "{filename} 是照片，但上传类型为 kind=video，请改用 kind=image 或选择一个视频。",
    }


class VideoSentAsImageError(KindMismatchError):
    messages = {
        "en": "{filename} is a video, but kind=image was sent. Send it with kind=video, or choose a photo.",
        "zh-CN": "{filename} 是视频，但上传类型为 kind=image，请改用 kind=video 或选择一张照片。",
    }


class VideoTooLongError(BadInputError):
    code = "upload_video_too_long"
    messages = {
        "en": "{filename} is {seconds:.1f} s long, longer than the limit of {limit:.0f} s. Trim the video and upload it again.",
        "zh-CN": "{filename} 时长 {seconds:.1f} 秒，超过了 {limit:.0f} 秒的上限，请剪短后重新上传。",
    }


class UploadNotReadyError(ConflictError):
    code = "upload_not_ready"
    messages = {
        "en": "Upload {upload_id} is {status}, not ready. Finish the upload first, or upload the file again.",
        "zh-CN": "上传 {upload_id} 的状态是 {status}，尚未就绪，请先完成上传或重新上传文件。",
    }


class RangeNotSatisfiableError(BadInputError):
    code = "range_not_satisfiable"
    status_code = 416
    messages = {
        "en": "The range {range} is outside the file of {size} bytes. Request bytes 0 to {last}.",
        "zh-CN": "请求的范围 {range} 超出了文件大小（{size} 字节），请请求 0 到 {last} 字节。",
    }


class UploadExpiredError(BadInputError):
    code = "upload_expired"
    status_code = 410
    messages = {
        "en": "Upload {upload_id} expired before it was finished. Start a new upload.",
        "zh-CN": "上传 {upload_id} 在完成前已过期，请重新开始上传。",
    }


class TusVersionError(BadInputError):
    code = "tus_unsupported_version"
    status_code = 412
    messages = {
        "en": "Tus-Resumable {version!r} is not supported. Send 'Tus-Resumable: 1.0.0'.",
        "zh-CN": "不支持 Tus-Resumable {version!r}，请发送 'Tus-Resumable: 1.0.0'。",
    }


class TusHeaderError(BadInputError):
    code = "tus_invalid_header"
    messages = {
        "en": "The header {header} is missing or invalid ({value!r}). {hint}",
        "zh-CN": "请求头 {header} 缺失或无效（{value!r}）。{hint}",
    }


class TusContentTypeError(BadInputError):
    code = "tus_unsupported_media_type"
    status_code = 415
    messages = {
        "en": "The Content-Type {value!r} is not accepted. Send chunks as 'application/offset+octet-stream'.",
        "zh-CN": "不接受 Content-Type {value!r}，请以 'application/offset+octet-stream' 发送数据块。",
    }


class TusOffsetMismatchError(ConflictError):
    code = "tus_offset_mismatch"
    messages = {
        "en": "Upload-Offset {sent} does not match the {offset} bytes received so far. Send HEAD to read the offset, then resume from it.",
        "zh-CN": "Upload-Offset {sent} 与已接收的 {offset} 字节不一致，请先用 HEAD 读取偏移量，再从该位置续传。",
    }


class TusLengthExceededError(BadInputError):
    code = "tus_length_exceeded"
    messages = {
        "en": "The chunk goes past the declared Upload-Length of {length} bytes. Send at most {remaining} more bytes.",
        "zh-CN": "数据块超出了声明的 Upload-Length（{length} 字节），最多还能发送 {remaining} 字节。",
    }


class TusChecksumAlgorithmError(BadInputError):
    code = "tus_unsupported_checksum"
    messages = {
        "en": "The checksum algorithm {algorithm!r} is not supported. Use one of {supported}.",
        "zh-CN": "不支持校验算法 {algorithm!r}，请使用以下之一：{supported}。",
    }


class TusChecksumMismatchError(BadInputError):
    code = "tus_checksum_mismatch"
    status_code = 460
    messages = {
        "en": "The {algorithm} checksum of the chunk does not match Upload-Checksum, so the chunk was discarded. Send it again from offset {offset}.",
        "zh-CN": "数据块的 {algorithm} 校验值与 Upload-Checksum 不一致，该数据块已丢弃，请从偏移量 {offset} 重新发送。",
    }


class TusIncompleteError(BadInputError):
    code = "tus_incomplete"
    messages = {
        "en": "Upload {upload_id} has {received} of {length} bytes on disk, so it cannot be finished. Start a new upload.",
        "zh-CN": "上传 {upload_id} 在磁盘上只有 {length} 字节中的 {received} 字节，无法完成，请重新上传。",
    }


class UploadNotTusError(ConflictError):
    """A chunked gRPC upload that is still open has no byte offset for tus to continue from."""

    code = "upload_not_tus"
    messages = {
        "en": "Upload {upload_id} was started over gRPC and is not finished. Send its missing chunks with the gRPC UploadVideo call, or start a new tus upload.",
        "zh-CN": "上传 {upload_id} 是通过 gRPC 开始的，尚未完成。请用 gRPC 的 UploadVideo 调用发送缺少的数据块，或开始新的 tus 上传。",
    }


class InvalidLinkError(ForbiddenError):
    """A signed media link whose signature or parameters do not match the path."""

    code = "link_invalid"
    messages = {
        "en": "The link to {path} is invalid ({detail}). Reload the page to get a new link.",
        "zh-CN": "{path} 的链接无效（{detail_zh}）。请刷新页面以获取新链接。",
    }


class LinkExpiredError(ForbiddenError):
    """A signed media link past its expiry time."""

    code = "link_expired"
    messages = {
        "en": "The link to {path} expired at {expired_at}. Reload the page to get a new link.",
        "zh-CN": "{path} 的链接已于 {expired_at} 过期。请刷新页面以获取新链接。",
    }
