"""OpenAPI generation that declares the error responses every route shares.

Endpoints declare their own errors (``vidswap.api.responses.error_responses``).
This module adds those that follow from how the app is built, so they cannot be
forgotten on a new route:

- 400 on every request body: FastAPI rejects a body it cannot decode with 400;
- 401 on every operation with a ``security`` requirement (the Bearer scheme of
  ``vidswap.accounts.deps``);
- 413 on every JSON request body, which ``BodyLimitMiddleware`` caps;
- 422 as ``ErrorResponse``: FastAPI documents its own ``HTTPValidationError``
  body, but ``vidswap.api.errors`` returns validation errors as ``{"error", "message"}``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from vidswap.api.responses import DEFAULT_DESCRIPTIONS, ErrorResponse

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
MALFORMED_BODY = "The request body could not be parsed, for example JSON that is not UTF-8."
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI, *, streamed_prefixes: tuple[str, ...]) -> None:
    """Make ``app.openapi()`` return FastAPI's schema with the shared error responses added."""
    build = app.openapi
    # FastAPI caches its schema and rebuilds it when routes change: complete each build once.
    completed: list[int] = []

    def openapi() -> dict[str, Any]:
        schema = build()
        if completed != [id(schema)]:
            add_shared_errors(schema, streamed_prefixes)
            completed[:] = [id(schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_shared_errors(schema: dict[str, Any], streamed_prefixes: tuple[str, ...]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorResponse", ErrorResponse.model_json_schema())

    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", error_response(401))
            if "requestBody" in operation:
                responses.setdefault("400", error_response(400, MALFORMED_BODY))
            if has_json_body(operation) and not path.startswith(streamed_prefixes):
                responses.setdefault("413", error_response(413))
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                responses["422"] = error_response(422)

    text = json.dumps(schema["paths"])
    for name in FASTAPI_VALIDATION_SCHEMAS:
        if name in components and f"#/components/schemas/{name}" not in text:
            del components[name]


def error_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or DEFAULT_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def has_json_body(operation: dict[str, Any]) -> bool:
    return "application/json" in operation.get("requestBody", {}).get("content", {})
