"""gRPC errors: the VidswapError → status code translation and the errors of the gRPC area.

Every handler raises ``VidswapError`` subclasses, as the REST endpoints do. The
interceptor in ``vidswap.grpc.auth`` passes them to ``status_for`` and aborts the
call with the message in the caller's language and the stable error code in the
``vidswap-error-code`` trailing metadata.
"""

from __future__ import annotations

import grpc

from vidswap.kit.errors import (
    BadInputError,
    ForbiddenError,
    PayloadTooLargeError,
    UnauthorizedError,
    VidswapError,
)

ERROR_CODE_KEY = "vidswap-error-code"

# HTTP status of a VidswapError → gRPC status code. 402 (Energy) and 409 (state
# conflicts) are FAILED_PRECONDITION: the request is valid, the stored state is not ready.
STATUS_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    402: grpc.StatusCode.FAILED_PRECONDITION,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    410: grpc.StatusCode.NOT_FOUND,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
}


def status_for(error: VidswapError) -> grpc.StatusCode:
    """Return the gRPC status code for ``error``'s HTTP status; INTERNAL for any other."""
    return STATUS_CODES.get(error.status_code, grpc.StatusCode.INTERNAL)


class MissingTokenError(UnauthorizedError):
    code = "not_authenticated"
    messages = {
        "en": "Sign in first: send the metadata 'authorization: Bearer <access token>'.",
        "zh-CN": "请先登录：调用需携带元数据 'authorization: Bearer <访问令牌>'。",
    }


class UserMismatchError(ForbiddenError):
    code = "user_mismatch"
    messages = {
        "en": "user_id {user_id!r} is not the signed-in user. Send your own user id or leave user_id empty.",
        "zh-CN": "user_id {user_id!r} 不是当前登录的用户。请发送你自己的用户 ID，或将 user_id 留空。",
    }


class InvalidFileTypeError(BadInputError):
    code = "upload_invalid_kind"
    messages = {
        "en": "file_type {file_type!r} is invalid. Send 'image' or 'video', or a MIME type such as image/jpeg or video/mp4.",
        "zh-CN": "file_type {file_type!r} 无效。请发送 'image' 或 'video'，或 image/jpeg、video/mp4 等 MIME 类型。",
    }


class EmptyUploadStreamError(BadInputError):
    code = "upload_empty_stream"
    messages = {
        "en": "The UploadVideo stream ended without a message. Send at least one UploadRequest with a chunk.",
        "zh-CN": "UploadVideo 流未发送任何消息就结束了。请至少发送一个带数据块的 UploadRequest。",
    }


class InvalidTotalChunksError(BadInputError):
    code = "upload_invalid_total_chunks"
    messages = {
        "en": "total_chunks {total_chunks} is invalid. Send a number from 1 to {limit}, the same in every message of the upload.",
        "zh-CN": "total_chunks {total_chunks} 无效。请发送 1 到 {limit} 之间的数，并在同一上传的每条消息中保持一致。",
    }


class TotalChunksChangedError(BadInputError):
    code = "upload_total_chunks_mismatch"
    messages = {
        "en": "total_chunks {total_chunks} differs from {expected}, the value upload {upload_id} was started with. Send total_chunks={expected}, or start a new upload.",
        "zh-CN": "total_chunks {total_chunks} 与上传 {upload_id} 开始时的 {expected} 不一致。请发送 total_chunks={expected}，或开始新的上传。",
    }


class ChunkIndexError(BadInputError):
    code = "upload_invalid_chunk_index"
    messages = {
        "en": "chunk_index {chunk_index} is out of range for total_chunks={total_chunks}. Number chunks from 0 to {last}.",
        "zh-CN": "chunk_index {chunk_index} 超出 total_chunks={total_chunks} 的范围。数据块应编号为 0 到 {last}。",
    }


class EmptyChunkError(BadInputError):
    code = "upload_empty_chunk"
    messages = {
        "en": "Chunk {chunk_index} is empty. Send the chunk's bytes in the field 'chunk'.",
        "zh-CN": "数据块 {chunk_index} 为空。请在字段 'chunk' 中发送该数据块的字节。",
    }


class ChunkTooLargeError(PayloadTooLargeError):
    code = "upload_chunk_too_large"
    messages = {
        "en": "Chunk {chunk_index} has {size} bytes, more than the limit of {limit} bytes per chunk. Split the file into smaller chunks.",
        "zh-CN": "数据块 {chunk_index} 有 {size} 字节，超过每块 {limit} 字节的上限。请把文件分成更小的块。",
    }


class InvalidChecksumError(BadInputError):
    code = "upload_invalid_checksum"
    messages = {
        "en": "sha256 {sha256!r} is not a SHA-256 digest. Send the 64 hex digits of the whole file's SHA-256.",
        "zh-CN": "sha256 {sha256!r} 不是 SHA-256 摘要。请发送整个文件 SHA-256 的 64 位十六进制数字。",
    }


class ChecksumChangedError(BadInputError):
    code = "upload_checksum_changed"
    messages = {
        "en": "sha256 {sha256} differs from {expected}, the checksum upload {upload_id} was started with. Send the same checksum, or start a new upload.",
        "zh-CN": "sha256 {sha256} 与上传 {upload_id} 开始时的 {expected} 不一致。请发送相同的校验和，或开始新的上传。",
    }


class UploadChecksumMismatchError(BadInputError):
    code = "upload_checksum_mismatch"
    messages = {
        "en": "The chunks of upload {upload_id} add up to a file with SHA-256 {actual}, not {expected}. The chunks are kept; send the correct chunks again, then the file is checked again.",
        "zh-CN": "上传 {upload_id} 的数据块拼成的文件 SHA-256 为 {actual}，而不是 {expected}。数据块已保留；请重新发送正确的数据块，之后会再次校验。",
    }


class UploadNotResumableError(BadInputError):
    code = "upload_not_resumable"
    status_code = 409
    messages = {
        "en": "Upload {upload_id} was not started over gRPC, so it takes no chunks here. Continue it over tus, or start a new upload.",
        "zh-CN": "上传 {upload_id} 不是通过 gRPC 开始的，不能在这里接收数据块。请通过 tus 继续，或开始新的上传。",
    }


class UploadClosedError(BadInputError):
    code = "upload_closed"
    status_code = 409
    messages = {
        "en": "Upload {upload_id} is {status} and takes no more chunks. Start a new upload.",
        "zh-CN": "上传 {upload_id} 的状态为 {status}，不再接收数据块。请开始新的上传。",
    }


class InvalidOffsetError(BadInputError):
    code = "invalid_offset"
    messages = {
        "en": "offset {offset} is outside the result of {size} bytes. Send an offset from 0 to {size}.",
        "zh-CN": "offset {offset} 超出了 {size} 字节的结果文件。请发送 0 到 {size} 之间的偏移量。",
    }


class InvalidTaskIdError(BadInputError):
    code = "invalid_task_id"
    messages = {
        "en": "task_id {task_id!r} is invalid. Send the task_id that CreateTask returned.",
        "zh-CN": "task_id {task_id!r} 无效。请发送 CreateTask 返回的 task_id。",
    }


class InvalidUploadIdError(BadInputError):
    code = "invalid_upload_id"
    messages = {
        "en": "upload_id {upload_id!r} is invalid. Send the upload_id that StartUpload or UploadVideo returned.",
        "zh-CN": "upload_id {upload_id!r} 无效。请发送 StartUpload 或 UploadVideo 返回的 upload_id。",
    }
