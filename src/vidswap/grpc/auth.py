"""The server interceptor: Bearer-token authentication, the caller's locale and error translation.

It wraps the handler of every VideoService method, whatever its streaming shape,
so each call first loads the user of its ``authorization: Bearer <token>``
metadata, then runs with that user and the ``accept-language`` locale in context
variables. A ``VidswapError`` raised by a handler ends the call with the status
code of ``vidswap.grpc.errors.status_for``, the message in the caller's language
and the error code in the ``vidswap-error-code`` trailing metadata. The health
and reflection services need no token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import grpc
import structlog

from vidswap.accounts.deps import load_token_user
from vidswap.accounts.models import User
from vidswap.grpc.errors import ERROR_CODE_KEY, MissingTokenError, UserMismatchError, status_for
from vidswap.kit.errors import InternalError, VidswapError
from vidswap.kit.i18n import normalize_locale
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
_user: ContextVar[User] = ContextVar("grpc_user")
_locale: ContextVar[str] = ContextVar("grpc_locale", default="en")


def current_user() -> User:
    """Return the signed-in user of the running call."""
    return _user.get()


def current_locale() -> str:
    return _locale.get()


def check_user_id(user_id: str) -> None:
    """Reject a request's ``user_id`` that is set and is not the signed-in user's."""
    if user_id and user_id != current_user().id:
        raise UserMismatchError(user_id=user_id[:80])


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_PREFIXES):
            return handler
        return _wrap(handler, self._runtime, method)


def _wrap(handler: grpc.RpcMethodHandler, runtime: Runtime, method: str) -> grpc.RpcMethodHandler:
    """Return ``handler`` with each behaviour run inside ``_call``."""
    codec = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            _single(handler.unary_unary, runtime, method), **codec
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            _single(handler.stream_unary, runtime, method), **codec
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            _streaming(handler.unary_stream, runtime, method), **codec
        )
    return grpc.stream_stream_rpc_method_handler(
        _streaming(handler.stream_stream, runtime, method), **codec
    )


def _single(behaviour: Any, runtime: Runtime, method: str) -> Any:
    async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with _call(runtime, context, method):
            return await behaviour(request, context)

    return run


def _streaming(behaviour: Any, runtime: Runtime, method: str) -> Any:
    async def run(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        async with _call(runtime, context, method):
            async for response in behaviour(request, context):
                yield response

    return run


@asynccontextmanager
async def _call(
    runtime: Runtime, context: grpc.aio.ServicerContext, method: str
) -> AsyncIterator[None]:
    metadata = {key: value for key, value in context.invocation_metadata() or ()}
    locale = normalize_locale(_text(metadata.get("accept-language")))
    _locale.set(locale)
    try:
        _user.set(await _authenticate(runtime, _text(metadata.get("authorization"))))
        yield
    except VidswapError as error:
        await _abort(context, error, locale, method)
    except grpc.aio.AbortError:
        raise
    except Exception as exc:
        log.exception("grpc.unexpected_error", method=method, error=str(exc))
        await _abort(context, InternalError(detail=type(exc).__name__), locale, method)


async def _authenticate(runtime: Runtime, header: str) -> User:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingTokenError()
    async with runtime.sessionmaker() as session:
        return await load_token_user(session, runtime, token.strip())


async def _abort(
    context: grpc.aio.ServicerContext, error: VidswapError, locale: str, method: str
) -> None:
    code = status_for(error)
    level = "warning" if code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE) else "info"
    getattr(log, level)("grpc.call_failed", method=method, status=code.name, error=error.code)
    await context.abort(
        code, error.message(locale), trailing_metadata=((ERROR_CODE_KEY, error.code),)
    )


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value or ""
