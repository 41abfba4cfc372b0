"""Read a ``multipart/form-data`` upload from the request stream straight into a temporary file.

The body is never held in memory: ``python_multipart``'s streaming parser hands
each piece of the ``file`` part to a ``SpoolFile``, which stops the upload with
413 as soon as the size limit is passed. Until the ``kind`` field has arrived
the larger of the two limits applies, so clients should send ``kind`` before
``file``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from vidswap.kit.settings import Settings
from vidswap.media.errors import (
    InvalidKindError,
    MalformedUploadError,
    MissingFileError,
    MissingKindError,
)
from vidswap.media.spool import SpoolFile, too_large

KINDS = ("image", "video")
# Headroom for part headers and boundaries when checking Content-Length up front.
MULTIPART_OVERHEAD = 64 * 1024
MAX_FIELD_BYTES = 64


def size_limit(settings: Settings, kind: str) -> int:
    return settings.max_image_bytes if kind == "image" else settings.max_video_bytes


def parse_kind(value: str | None) -> str:
    """Return ``image`` or ``video`` from the multipart ``kind`` field. An empty field counts as missing."""
    kind = (value or "").strip().lower()
    if not kind:
        raise MissingKindError()
    if kind not in KINDS:
        raise InvalidKindError(kind=value)
    return kind


@dataclass
class ReceivedFile:
    """A complete upload in a temporary file, with the kind and file name the client sent."""

    spool: SpoolFile
    kind: str
    client_filename: str


@dataclass
class _FormState:
    """Parser callback state: the fields and the file part read so far."""

    folder: Path
    settings: Settings
    kind: str | None = None
    kind_text: bytearray = field(default_factory=bytearray)
    spool: SpoolFile | None = None
    client_filename: str = ""
    finished: bool = False
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)
    current: str | None = None

    def on_part_begin(self) -> None:
        self.headers = {}
        self.current = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        name = self.header_field.decode("latin-1").strip().lower()
        self.headers[name] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self.headers.get("content-disposition", b""))
        if disposition != b"form-data":
            raise MalformedUploadError(detail="a part has no 'Content-Disposition: form-data'")
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file":
            self.start_file(options.get(b"filename", b"").decode("utf-8", "replace"))
        self.current = name

    def start_file(self, filename: str) -> None:
        if self.spool is not None:
            raise MalformedUploadError(detail="the field 'file' was sent more than once")
        if self.kind is not None:
            limit = size_limit(self.settings, self.kind)
        else:
            limit = max(self.settings.max_image_bytes, self.settings.max_video_bytes)
        self.spool = SpoolFile(self.folder, self.kind or "image or video", limit)
        self.client_filename = filename

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current == "file":
            assert self.spool is not None
            self.spool.write(data[start:end])
        elif self.current == "kind":
            self.kind_text += data[start:end]
            if len(self.kind_text) > MAX_FIELD_BYTES:
                raise InvalidKindError(
                    kind=self.kind_text[:MAX_FIELD_BYTES].decode("utf-8", "replace")
                )

    def on_part_end(self) -> None:
        if self.current == "kind":
            self.kind = parse_kind(self.kind_text.decode("utf-8", "replace"))
        self.current = None

    def on_end(self) -> None:
        self.finished = True


async def receive_multipart(request: Request, settings: Settings, folder: Path) -> ReceivedFile:
    """Stream the request body into a temporary file; return it with the declared kind.

    Raises ``MalformedUploadError``, ``MissingKindError``, ``InvalidKindError``,
    ``MissingFileError`` or ``UploadTooLargeError``. The temporary file is deleted
    whenever this raises.
    """
    boundary = _boundary(request)
    _check_declared_length(request, settings)
    state = _FormState(folder=folder, settings=settings)
    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": state.on_part_begin,
            "on_part_data": state.on_part_data,
            "on_part_end": state.on_part_end,
            "on_header_field": state.on_header_field,
            "on_header_value": state.on_header_value,
            "on_header_end": state.on_header_end,
            "on_headers_finished": state.on_headers_finished,
            "on_end": state.on_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        return _finish(state, settings)
    except MultipartParseError as exc:
        _discard(state)
        raise MalformedUploadError(detail="the multipart body cannot be parsed") from exc
    except BaseException:
        _discard(state)
        raise


def _finish(state: _FormState, settings: Settings) -> ReceivedFile:
    if not state.finished:
        raise MalformedUploadError(detail="the body ended before the closing boundary")
    if state.spool is None:
        raise MissingFileError()
    if state.kind is None:
        raise MissingKindError()
    limit = size_limit(settings, state.kind)
    if state.spool.size > limit:
        raise too_large(state.kind, limit)
    state.spool.close()
    return ReceivedFile(spool=state.spool, kind=state.kind, client_filename=state.client_filename)


def _discard(state: _FormState) -> None:
    if state.spool is not None:
        state.spool.discard()


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise MalformedUploadError(
            detail="the Content-Type is not multipart/form-data with a boundary"
        )
    return boundary


def _check_declared_length(request: Request, settings: Settings) -> None:
    """Reject a body whose Content-Length is over every limit before reading any of it."""
    declared = request.headers.get("content-length", "")
    largest = max(settings.max_image_bytes, settings.max_video_bytes)
    if declared.isdigit() and int(declared) > largest + MULTIPART_OVERHEAD:
        kind = "video" if largest == settings.max_video_bytes else "image"
        raise too_large(kind, largest)
