"""tus 1.0 endpoints under ``/uploads/tus`` (creation, creation-with-upload, termination,
checksum, expiration), authenticated with the Bearer token like every other endpoint.

Every response, errors included, carries ``Tus-Resumable: 1.0.0``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.routing import APIRoute

from vidswap.accounts.deps import CurrentUser
from vidswap.api.deps import RuntimeDep
from vidswap.api.errors import error_response, handle_vidswap_error, locale_of
from vidswap.api.responses import error_responses
from vidswap.kit.errors import VidswapError
from vidswap.media import tus
from vidswap.media.errors import TusContentTypeError, TusHeaderError, TusVersionError
from vidswap.media.keys import upload_file_url
from vidswap.media.models import Upload
from vidswap.media.schemas import stored_error
from vidswap.runtime import Runtime


class TusRoute(APIRoute):
    """A route whose responses, errors included, carry the tus version header."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def tus_handler(request: Request) -> Response:
            try:
                response = await handle(request)
            except VidswapError as exc:
                response = await handle_vidswap_error(request, exc)
            response.headers["Tus-Resumable"] = tus.TUS_VERSION
            return response

        return tus_handler


router = APIRouter(prefix="/uploads/tus", tags=["uploads (tus)"], route_class=TusRoute)
# tus 1.0 allows extra headers. This one carries the file_url that tasks take, on the
# response that completes the upload and on HEAD once the upload is ready.
FILE_URL_HEADER = "Vidswap-File-Url"
FILE_URL_DOC = {
    FILE_URL_HEADER: {
        "description": "The upload's file_url, for image_url or video_url in POST /api/v1/tasks. "
        "Sent once the last byte has arrived and the file passed the checks.",
        "schema": {"type": "string", "example": "/api/v1/uploads/5f0c6a1e9b8d4c2a/file"},
    }
}
OFFSET_DOC = {
    "Upload-Offset": {
        "description": "Bytes received so far.",
        "schema": {"type": "integer"},
    }
}
CREATE_DESCRIPTION = """Start a resumable upload (tus 1.0) of a face photo or a target video.

Send `Tus-Resumable: 1.0.0`, `Upload-Length` (the file size in bytes) and
`Upload-Metadata`: comma-separated `key value` pairs whose values are base64.
Keys:

- `kind` (required): `image` for a photo or `video` for a video, base64-encoded
  (`kind aW1hZ2U=` or `kind dmlkZW8=`). It picks the size limit and the checks.
- `filename` (optional): the name shown for the upload, for example
  `filename ZmFjZS5qcGc=` for face.jpg.

The response's `Location` is the upload's URL for PATCH, HEAD and DELETE. A body
with `Content-Type: application/offset+octet-stream` is the first chunk
(creation-with-upload).

When the last byte arrives, the file gets the same checks as `POST /uploads`.
The response that completes the upload (this one or the last PATCH) carries the
upload's `file_url` in the `Vidswap-File-Url` header, and so does HEAD afterwards.
`GET /api/v1/uploads/{upload_id}` (the last part of `Location`) returns it too,
with the probed media facts. A rejected file answers with the error, and HEAD,
PATCH and `GET /uploads/{upload_id}` report it later."""
PATCH_DESCRIPTION = """Append the body at `Upload-Offset`, which must equal the bytes received so far
(HEAD returns it). Send `Content-Type: application/offset+octet-stream`, and
optionally `Upload-Checksum: <sha1|sha256|md5> <base64 digest>`.

The PATCH that sends the last byte returns the upload's `file_url` in the
`Vidswap-File-Url` header once the file passed the checks, or the error that
rejected it."""
HEAD_DESCRIPTION = """Return `Upload-Offset` (bytes received), `Upload-Length` and `Upload-Metadata`.
A client resumes an interrupted upload by sending PATCH at this offset. Once the
upload is ready the response carries its `file_url` in `Vidswap-File-Url`."""
TusId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
# Statuses that every tus request can get; each route adds its own below.
TUS_ERRORS = error_responses(
    400,
    412,
    503,
    s400="A tus header is missing or invalid, or the finished file is not usable; see `error`.",
    s412="Tus-Resumable is missing or not 1.0.0.",
    s503="The storage is unavailable.",
)
UPLOAD_ERRORS = error_responses(
    404,
    410,
    422,
    s404="No resumable upload with this id belongs to the caller.",
    s410="The upload expired and was deleted.",
)
APPEND_ERRORS = error_responses(
    409,
    415,
    460,
    s409="Upload-Offset does not match the bytes received so far, or the upload is an "
    "unfinished gRPC upload (`upload_not_tus`).",
    s415="The chunk's Content-Type is not application/offset+octet-stream.",
    s460="The chunk does not match Upload-Checksum.",
)


def require_version(request: Request) -> None:
    version = request.headers.get("tus-resumable")
    if version != tus.TUS_VERSION:
        raise TusVersionError(version=version or "")


def server_headers(runtime: Runtime) -> dict[str, str]:
    settings = runtime.settings
    return {
        "Tus-Version": tus.TUS_VERSION,
        "Tus-Extension": tus.EXTENSIONS,
        "Tus-Max-Size": str(max(settings.max_image_bytes, settings.max_video_bytes)),
        "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
    }


def progress_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.upload_offset), "Cache-Control": "no-store"}
    expires = tus.http_date(upload)
    if expires and upload.status == "uploading":
        headers["Upload-Expires"] = expires
    if upload.status == "ready":
        headers[FILE_URL_HEADER] = upload_file_url(upload.id)
    return headers


def failed_response(request: Request, upload: Upload) -> Response:
    """Return the stored rejection of a finished upload, in the caller's language."""
    error = stored_error(upload, locale_of(request))
    assert error is not None and upload.error is not None
    return error_response(request, error.error, error.message, int(upload.error["status"]))


@router.options("", include_in_schema=False)
@router.options("/{upload_id}", include_in_schema=False)
async def tus_options(runtime: RuntimeDep) -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=server_headers(runtime))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a resumable upload (tus creation, creation-with-upload)",
    description=CREATE_DESCRIPTION,
    responses={
        201: {
            "description": "The upload was created. `Location` names it.",
            "headers": {
                "Location": {
                    "description": "The upload's URL for PATCH, HEAD and DELETE.",
                    "schema": {"type": "string"},
                },
                **OFFSET_DOC,
                **FILE_URL_DOC,
            },
        },
        **TUS_ERRORS,
        **APPEND_ERRORS,
        **error_responses(413, s413="Upload-Length is over the size limit of the kind."),
    },
    response_class=Response,
)
async def tus_create(request: Request, runtime: RuntimeDep, user: CurrentUser) -> Response:
    require_version(request)
    if request.headers.get("upload-defer-length") is not None:
        raise TusHeaderError(
            header="Upload-Defer-Length",
            value=request.headers["upload-defer-length"],
            hint="Deferred lengths are not supported; send Upload-Length.",
        )
    length = tus.parse_length(request.headers.get("upload-length"), "Upload-Length")
    metadata = tus.parse_metadata(request.headers.get("upload-metadata"))
    upload = await tus.create(runtime, user.id, length, metadata)
    location = str(request.url_for("tus_head", upload_id=upload.id))
    headers = {"Location": location, **progress_headers(upload)}

    if _has_chunk(request):
        try:
            checksum = tus.parse_checksum(request.headers.get("upload-checksum"))
            await tus.append(runtime, upload, request, 0, checksum)
        except VidswapError as exc:
            # The upload exists even though its first chunk failed: name it, so the
            # client can resume it or read why it failed.
            response = await handle_vidswap_error(request, exc)
            response.headers["Location"] = location
            return response
        headers.update(progress_headers(upload))
    return Response(status_code=status.HTTP_201_CREATED, headers=headers)


@router.head(
    "/{upload_id}",
    summary="Read the offset of a resumable upload",
    description=HEAD_DESCRIPTION,
    name="tus_head",
    responses={
        200: {
            "description": "The upload's progress.",
            "headers": {**OFFSET_DOC, **FILE_URL_DOC},
        },
        **TUS_ERRORS,
        **UPLOAD_ERRORS,
        **error_responses(409, s409="The upload is an unfinished gRPC upload (`upload_not_tus`)."),
    },
)
async def tus_head(
    upload_id: TusId, request: Request, runtime: RuntimeDep, user: CurrentUser
) -> Response:
    require_version(request)
    upload = await tus.get_open_upload(runtime, user.id, upload_id)
    if upload.status == "failed":
        return failed_response(request, upload)
    tus.require_tus(upload)
    headers = progress_headers(upload)
    headers["Upload-Length"] = str(upload.upload_length)
    headers["Upload-Metadata"] = tus.encode_metadata(upload)
    return Response(status_code=status.HTTP_200_OK, headers=headers)


@router.patch(
    "/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Append a chunk at Upload-Offset (tus core, checksum)",
    description=PATCH_DESCRIPTION,
    responses={
        204: {
            "description": "The chunk was stored.",
            "headers": {**OFFSET_DOC, **FILE_URL_DOC},
        },
        **TUS_ERRORS,
        **UPLOAD_ERRORS,
        **APPEND_ERRORS,
    },
    response_class=Response,
)
async def tus_patch(
    upload_id: TusId, request: Request, runtime: RuntimeDep, user: CurrentUser
) -> Response:
    require_version(request)
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != tus.CHUNK_CONTENT_TYPE:
        raise TusContentTypeError(value=content_type)
    offset = tus.parse_length(request.headers.get("upload-offset"), "Upload-Offset")
    checksum = tus.parse_checksum(request.headers.get("upload-checksum"))
    upload = await tus.get_open_upload(runtime, user.id, upload_id)
    if upload.status == "failed":
        return failed_response(request, upload)
    tus.require_tus(upload)
    await tus.append(runtime, upload, request, offset, checksum)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=progress_headers(upload))


@router.delete(
    "/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Terminate a resumable upload and delete what it stored",
    description="Delete the upload and its bytes (tus termination). A finished upload "
    "can be deleted here or with DELETE /api/v1/uploads/{upload_id}.",
    responses={**TUS_ERRORS, **UPLOAD_ERRORS},
    response_class=Response,
)
async def tus_delete(
    upload_id: TusId, request: Request, runtime: RuntimeDep, user: CurrentUser
) -> Response:
    require_version(request)
    await tus.terminate(runtime, user.id, upload_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{upload_id}", include_in_schema=False)
async def tus_method_override(
    upload_id: TusId, request: Request, runtime: RuntimeDep, user: CurrentUser
) -> Response:
    """Serve ``X-HTTP-Method-Override`` for clients that can send only GET and POST."""
    method = request.headers.get("x-http-method-override", "").upper()
    if method == "PATCH":
        return await tus_patch(upload_id, request, runtime, user)
    if method == "DELETE":
        return await tus_delete(upload_id, request, runtime, user)
    if method == "HEAD":
        return await tus_head(upload_id, request, runtime, user)
    raise TusHeaderError(
        header="X-HTTP-Method-Override", value=method, hint="Use PATCH, HEAD or DELETE."
    )


def _has_chunk(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length", "")
    if content_type != tus.CHUNK_CONTENT_TYPE:
        return False
    return not (length.isdigit() and int(length) == 0)
