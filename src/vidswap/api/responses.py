"""The error body every endpoint returns and helpers that declare it in the OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Used where an endpoint declares a status without a description of its own.
DEFAULT_DESCRIPTIONS = {
    400: "Invalid input; `error` names the problem and `message` the value and the fix.",
    401: "Missing, invalid or expired access token.",
    403: "The signed-in user may not do this.",
    404: "Not found, or not owned by the caller.",
    409: "Conflicts with the current state of the record.",
    413: "The request body or file is over its size limit.",
    416: "The range starts past the end of the file.",
    422: "The request does not match the schema: a missing field or a wrong type.",
    429: "Rate limit hit; retry after the seconds in `Retry-After`.",
    503: "A service the request needs (database, storage, SMS provider) is unavailable.",
}


class ErrorResponse(BaseModel):
    """The body of every error response (4xx and 5xx)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "upload_not_found",
                    "message": "Upload 5f0c6a1e9b8d4c2aa1e3f07b6d9c8e21 was not found.",
                }
            ]
        }
    )

    error: str = Field(description="Stable machine-readable code, such as `invalid_token`.")
    message: str = Field(
        description="What failed, naming the value, and what to do, in the caller's "
        "language (`Accept-Language`: zh-CN or en)."
    )


def error_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """Return a FastAPI ``responses`` mapping that declares ``statuses`` as ``ErrorResponse``.

    A keyword ``s404="..."`` replaces the default description of that status.
    """
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description = descriptions.get(f"s{status}", DEFAULT_DESCRIPTIONS.get(status, "Error."))
        declared[status] = {"model": ErrorResponse, "description": description}
    return declared
