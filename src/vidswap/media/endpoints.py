"""REST endpoints of uploads: multipart, base64, metadata, file download and deletion.

The tus resumable-upload endpoints live in ``tus_endpoints`` and are mounted
on this router. The app's JSON body limit does not apply under ``/uploads``:
each endpoint here enforces the per-kind size limit while it reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from vidswap.accounts.deps import CurrentUser
from vidswap.api.deps import LocaleDep, RuntimeDep
from vidswap.api.responses import error_responses
from vidswap.media import service
from vidswap.media.base64_upload import decode_base64_image, read_limited_body
from vidswap.media.download import stored_object_response
from vidswap.media.errors import UploadNotFoundError, UploadNotReadyError
from vidswap.media.multipart import receive_multipart
from vidswap.media.names import display_name
from vidswap.media.schemas import Base64UploadIn, UploadOut
from vidswap.media.tus_endpoints import router as tus_router

router = APIRouter(tags=["uploads"])
router.include_router(tus_router)

UploadId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
UPLOAD_ERRORS = error_responses(
    400,
    401,
    413,
    503,
    s400="Not a usable photo or video, or a kind mismatch; see `error`.",
    s413="The file is over the size limit for its kind.",
    s503="The storage is unavailable.",
)
NOT_FOUND = "No upload with this id belongs to the caller."
MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["image", "video"]},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}
BASE64_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Base64UploadIn.model_json_schema()}},
    }
}


@router.post(
    "/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadOut,
    summary="Upload a photo or a video (multipart, streamed)",
    responses=UPLOAD_ERRORS,
    openapi_extra=MULTIPART_BODY,
)
async def create_upload(
    request: Request, runtime: RuntimeDep, user: CurrentUser, locale: LocaleDep
) -> UploadOut:
    received = await receive_multipart(request, runtime.settings, service.spool_folder(runtime))
    try:
        upload = await service.store_new_upload(
            runtime,
            user.id,
            received.spool.path,
            kind=received.kind,
            filename=display_name(received.client_filename),
            size=received.spool.size,
            sha256=received.spool.sha256,
        )
    finally:
        received.spool.discard()
    return UploadOut.of(upload, locale)


@router.post(
    "/uploads/base64",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadOut,
    summary="Upload a small photo as base64 in JSON",
    responses={**UPLOAD_ERRORS, **error_responses(422)},
    openapi_extra=BASE64_BODY,
)
async def create_base64_upload(
    request: Request, runtime: RuntimeDep, user: CurrentUser, locale: LocaleDep
) -> UploadOut:
    body = await read_limited_body(request, runtime.settings.max_image_bytes)
    try:
        payload = Base64UploadIn.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    spool = decode_base64_image(payload.data, runtime.settings, service.spool_folder(runtime))
    try:
        upload = await service.store_new_upload(
            runtime,
            user.id,
            spool.path,
            kind="image",
            filename=display_name(payload.filename, default="photo"),
            size=spool.size,
            sha256=spool.sha256,
        )
    finally:
        spool.discard()
    return UploadOut.of(upload, locale)


@router.get(
    "/uploads/{upload_id}",
    response_model=UploadOut,
    summary="An upload's metadata",
    responses=error_responses(404, 422, s404=NOT_FOUND),
)
async def read_upload(
    upload_id: UploadId, runtime: RuntimeDep, user: CurrentUser, locale: LocaleDep
) -> UploadOut:
    upload = await service.get_upload(runtime, user.id, upload_id)
    return UploadOut.of(upload, locale)


@router.get(
    "/uploads/{upload_id}/file",
    summary="The uploaded file (HTTP Range supported, or a redirect to a signed URL)",
    response_class=Response,
    responses={
        200: {"description": "The whole file."},
        206: {"description": "The requested byte range."},
        302: {"description": "A signed URL of the object store (S3 storage)."},
        **error_responses(
            404, 409, 416, 422, 503, s404=NOT_FOUND, s409="The upload is not finished."
        ),
    },
)
async def read_upload_file(
    upload_id: UploadId, request: Request, runtime: RuntimeDep, user: CurrentUser
) -> Response:
    upload = await service.get_upload(runtime, user.id, upload_id)
    if upload.status != "ready" or upload.storage_key is None:
        raise UploadNotReadyError(upload_id=upload_id, status=upload.status)
    try:
        return await stored_object_response(
            request,
            runtime.storage,
            upload.storage_key,
            upload.filename,
            upload.content_type,
            disposition="inline",
            etag=upload.sha256,
        )
    except FileNotFoundError as exc:
        raise UploadNotFoundError(upload_id=upload_id) from exc


@router.delete(
    "/uploads/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an upload and its file",
    responses=error_responses(404, 422, 503, s404=NOT_FOUND),
)
async def remove_upload(upload_id: UploadId, runtime: RuntimeDep, user: CurrentUser) -> Response:
    await service.delete_upload(runtime, user.id, upload_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
