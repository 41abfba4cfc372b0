"""Serve a stored object: a redirect to a presigned URL when the backend has one (S3),
else its bytes with single-range HTTP Range support (RFC 9110, section 14), so players can seek."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import structlog
from fastapi import Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from vidswap.api.errors import error_response, locale_of
from vidswap.media.errors import RangeNotSatisfiableError
from vidswap.media.headers import content_disposition
from vidswap.media.storage import Storage

log = structlog.get_logger(__name__)

DEFAULT_SIGNED_URL_SECONDS = 900
_SINGLE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class UnsatisfiableRange(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """Return the one range that ``header`` requests, or ``None`` to send the whole file.

    A header that is malformed or requests several ranges is ignored, as RFC 9110
    allows. Raises ``UnsatisfiableRange`` when the range starts past the end.
    """
    if not header:
        return None
    match = _SINGLE_RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange()
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise UnsatisfiableRange()
    end = int(last) if last else size - 1
    return ByteRange(start, min(end, size - 1))


async def stored_object_response(
    request: Request,
    storage: Storage,
    key: str,
    filename: str,
    content_type: str,
    *,
    disposition: str = "attachment",
    etag: str | None = None,
    signed_url_seconds: int | None = None,
) -> Response:
    """Return a 302 to a presigned URL, or a 200/206 stream of ``key``, or a 416.

    Photos always stream through the API: they are small, and the web app draws them
    on a canvas, which needs them from its own origin. Videos redirect where the
    storage signs URLs; the web app's policy allows the object store in media-src.

    Raises ``FileNotFoundError`` when ``key`` is missing and ``StorageError`` when the
    backend fails.
    """
    seconds = signed_url_seconds or _configured_signed_url_seconds(request)
    url = None
    if not content_type.startswith("image/"):
        url = await asyncio.to_thread(storage.presigned_url, key, seconds, filename)
    if url is not None:
        return RedirectResponse(
            url, status_code=302, headers={"Cache-Control": "private, no-store"}
        )

    size = await asyncio.to_thread(storage.size, key)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(filename, disposition),
        "Cache-Control": "private, no-cache",
    }
    if etag:
        headers["ETag"] = f'"{etag}"'
    try:
        byte_range = _requested_range(request, size, etag)
    except UnsatisfiableRange:
        return _range_error(request, size)

    if byte_range is None:
        headers["Content-Length"] = str(size)
        body = storage.open_range(key, 0, None) if size else iter(())
        return StreamingResponse(body, status_code=200, media_type=content_type, headers=headers)
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    body = storage.open_range(key, byte_range.start, byte_range.end)
    return StreamingResponse(body, status_code=206, media_type=content_type, headers=headers)


def _requested_range(request: Request, size: int, etag: str | None) -> ByteRange | None:
    if_range = request.headers.get("if-range")
    # A client whose copy is stale (If-Range names another ETag) gets the whole file.
    if if_range is not None and (etag is None or if_range.strip() != f'"{etag}"'):
        return None
    return parse_range(request.headers.get("range"), size)


def _range_error(request: Request, size: int) -> Response:
    error = RangeNotSatisfiableError(
        range=request.headers.get("range", ""), size=size, last=max(size - 1, 0)
    )
    log.info("download.range_not_satisfiable", path=request.url.path, size=size)
    return error_response(
        request,
        error.code,
        error.message(locale_of(request)),
        error.status_code,
        {"Content-Range": f"bytes */{size}"},
    )


def _configured_signed_url_seconds(request: Request) -> int:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return DEFAULT_SIGNED_URL_SECONDS
    return int(runtime.settings.signed_url_seconds)
