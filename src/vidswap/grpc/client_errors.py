"""Translate a failed gRPC call into a VidswapError, on the client side.

The server ends a failed call with a status code, the message already in the
caller's language and the stable error code in the ``vidswap-error-code``
trailing metadata. The client raises the VidswapError subclass that matches the
status code, with that message and code, so callers handle gRPC and local
failures alike and the exit status follows ``BadInputError`` (2) or not (1).
"""

from __future__ import annotations

from typing import Any

import grpc

from vidswap.kit.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    InternalError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnauthorizedError,
    VidswapError,
)

ERROR_CODE_KEY = "vidswap-error-code"
_SERVER_MESSAGE = {"en": "{message}", "zh-CN": "{message}"}


class _RemoteMixin:
    """The error of a server: its message is already localized, its code comes with it."""

    messages = _SERVER_MESSAGE

    def __init__(self, *, message: str, code: str, status: str, **params: Any) -> None:
        super().__init__(message=message, status=status, **params)  # type: ignore[call-arg]
        # The server's stable code (as in the REST API) replaces the class default.
        self.code = code


class RemoteBadInputError(_RemoteMixin, BadInputError):
    pass


class RemoteUnauthorizedError(_RemoteMixin, UnauthorizedError):
    pass


class RemoteForbiddenError(_RemoteMixin, ForbiddenError):
    pass


class RemoteNotFoundError(_RemoteMixin, NotFoundError):
    pass


class RemoteConflictError(_RemoteMixin, ConflictError):
    pass


class RemotePayloadTooLargeError(_RemoteMixin, PayloadTooLargeError):
    pass


class RemoteUnavailableError(_RemoteMixin, ServiceUnavailableError):
    pass


class RemoteInternalError(_RemoteMixin, InternalError):
    pass


class GrpcServerUnavailableError(ServiceUnavailableError):
    code = "grpc_unavailable"
    messages = {
        "en": "The gRPC server {target} is unavailable ({detail}). Check --server and that `vidswap grpc` or `vidswap serve` runs there, then try again.",
        "zh-CN": "gRPC 服务 {target} 不可用（{detail}）。请检查 --server，并确认那里正在运行 `vidswap grpc` 或 `vidswap serve`，然后重试。",
    }


_CLASSES: dict[grpc.StatusCode, type[_RemoteMixin]] = {
    grpc.StatusCode.INVALID_ARGUMENT: RemoteBadInputError,
    grpc.StatusCode.OUT_OF_RANGE: RemoteBadInputError,
    grpc.StatusCode.UNAUTHENTICATED: RemoteUnauthorizedError,
    grpc.StatusCode.PERMISSION_DENIED: RemoteForbiddenError,
    grpc.StatusCode.NOT_FOUND: RemoteNotFoundError,
    grpc.StatusCode.FAILED_PRECONDITION: RemoteConflictError,
    grpc.StatusCode.ALREADY_EXISTS: RemoteConflictError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: RemotePayloadTooLargeError,
    grpc.StatusCode.UNAVAILABLE: RemoteUnavailableError,
}
# Status codes after which the same call may succeed when sent again.
RETRYABLE = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED}
)


def error_code(error: grpc.RpcError) -> str | None:
    """Return the ``vidswap-error-code`` trailing metadata of a failed call, if any."""
    trailing = error.trailing_metadata() if isinstance(error, grpc.Call) else None
    for key, value in trailing or ():
        if key == ERROR_CODE_KEY:
            return str(value)
    return None


def translate(error: grpc.RpcError, target: str) -> VidswapError:
    """Return the VidswapError for ``error``; raise it ``from error`` to keep the cause."""
    status = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    details = (error.details() if isinstance(error, grpc.Call) else None) or str(status)
    code = error_code(error)
    if code is None and status in RETRYABLE:
        # No VideoService handler ran, because the connection failed or the deadline passed.
        return GrpcServerUnavailableError(target=target, detail=details)
    cls = _CLASSES.get(status, RemoteInternalError)
    error_class: Any = cls
    value: VidswapError = error_class(
        message=details, code=code or status.name.lower(), status=status.name
    )
    return value
