"""Inline base64 photos: read the JSON body under a limit and decode it into a temporary file."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from starlette.requests import Request

from vidswap.kit.errors import PayloadTooLargeError
from vidswap.kit.settings import Settings
from vidswap.media.errors import InvalidBase64Error
from vidswap.media.spool import SpoolFile

# Base64 needs 4 characters per 3 bytes; JSON keys and a file name need a little more.
JSON_OVERHEAD = 64 * 1024
_DATA_URL_PREFIX = re.compile(r"^data:[\w.+/-]*(;[\w=.+-]+)*;base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def base64_body_limit(image_limit: int) -> int:
    return (image_limit + 2) // 3 * 4 + JSON_OVERHEAD


async def read_limited_body(request: Request, image_limit: int) -> bytes:
    """Return the request body; raise 413 as soon as it passes the limit for a base64 photo."""
    limit = base64_body_limit(image_limit)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(what="The JSON body", limit=f"{limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLargeError(what="The JSON body", limit=f"{limit} bytes")
    return bytes(body)


def decode_base64_image(data: str, settings: Settings, folder: Path) -> SpoolFile:
    """Decode ``data`` (standard or URL-safe base64, optionally a data: URL) into a SpoolFile."""
    text = _WHITESPACE.sub("", _DATA_URL_PREFIX.sub("", data.strip(), count=1))
    alphabet = b"-_" if ("-" in text or "_" in text) else None
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidBase64Error(detail=str(exc)) from exc
    with SpoolFile(folder, "image", settings.max_image_bytes) as spool:
        spool.write(raw)
    return spool
