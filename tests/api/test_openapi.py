"""The OpenAPI document: summaries, tags, examples and declared error responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from vidswap.api.app import create_app

ERROR_REF = "#/components/schemas/ErrorResponse"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# Pages a browser shows, whose errors are HTML too.
HTML_PAGES = ("/readyz", "/api/v1/auth/oauth/{provider}/callback")


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    return create_app(make_settings(data_dir)).openapi()


def checked_operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    name = ref.removeprefix("#/components/schemas/")
    return schema["components"]["schemas"][name]


def has_example(node: dict[str, Any]) -> bool:
    return bool(node.get("examples") or node.get("example"))


def test_operations_are_checked(openapi: dict[str, Any]) -> None:
    paths = {path for _, path, _ in checked_operations(openapi)}
    assert "/api/v1/auth/register" in paths
    assert "/api/v1/uploads/{upload_id}/file" in paths
    assert "/api/v1/tasks/{task_id}/result" in paths
    assert "/readyz" in paths


def test_operations_have_summary_and_tags(openapi: dict[str, Any]) -> None:
    for method, path, operation in checked_operations(openapi):
        assert operation.get("summary"), f"{method} {path} has no summary"
        assert operation.get("tags"), f"{method} {path} has no tags"


def test_error_responses_use_error_model(openapi: dict[str, Any]) -> None:
    for method, path, operation in checked_operations(openapi):
        for status, response in operation["responses"].items():
            if int(status) < 400 or path in HTML_PAGES:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, f"{method} {path} {status}: {schema}"


def test_api_operations_declare_4xx(openapi: dict[str, Any]) -> None:
    takes_no_input = {("GET", "/api/v1/auth/providers")}
    for method, path, operation in checked_operations(openapi):
        if not path.startswith("/api/") or (method, path) in takes_no_input:
            continue
        statuses = {int(status) for status in operation["responses"]}
        assert any(400 <= status < 500 for status in statuses), f"{method} {path}: {statuses}"


def test_signed_in_operations_declare_401(openapi: dict[str, Any]) -> None:
    signed_in = 0
    for method, path, operation in checked_operations(openapi):
        if operation.get("security"):
            signed_in += 1
            assert "401" in operation["responses"], f"{method} {path}"
    assert signed_in >= 10


def test_validated_input_declares_422(openapi: dict[str, Any]) -> None:
    for method, path, operation in checked_operations(openapi):
        validated = operation.get("parameters") or "application/json" in operation.get(
            "requestBody", {}
        ).get("content", {})
        if validated and path != "/api/v1/uploads":
            assert "422" in operation["responses"], f"{method} {path}"


def test_bodies_declare_400(openapi: dict[str, Any]) -> None:
    for method, path, operation in checked_operations(openapi):
        if "requestBody" in operation:
            assert "400" in operation["responses"], f"{method} {path}"


def test_json_bodies_have_examples_and_413(openapi: dict[str, Any]) -> None:
    bodies = 0
    for method, path, operation in checked_operations(openapi):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        bodies += 1
        body_schema = resolve(openapi, content["application/json"]["schema"])
        assert has_example(body_schema), f"{method} {path} request body has no example"
        assert "413" in operation["responses"], f"{method} {path}"
    assert bodies >= 8


def test_json_responses_have_examples(openapi: dict[str, Any]) -> None:
    for method, path, operation in checked_operations(openapi):
        for status, response in operation["responses"].items():
            json_content = response.get("content", {}).get("application/json")
            if json_content is None or not json_content.get("schema"):
                continue
            response_schema = resolve(openapi, json_content["schema"])
            assert has_example(response_schema), f"{method} {path} {status} has no example"


def test_specific_errors_declared(openapi: dict[str, Any]) -> None:
    expected = {
        ("post", "/api/v1/auth/sms-codes"): {"400", "429", "503"},
        ("post", "/api/v1/auth/register"): {"400", "409", "429"},
        ("post", "/api/v1/auth/login/password"): {"400", "401", "429"},
        ("get", "/api/v1/users/me/avatar"): {"401", "404"},
        ("put", "/api/v1/users/me/avatar"): {"400", "401", "413"},
        ("post", "/api/v1/uploads"): {"400", "401", "413"},
        ("post", "/api/v1/uploads/base64"): {"400", "401", "413", "422"},
        ("get", "/api/v1/uploads/{upload_id}/file"): {"401", "404", "409", "416"},
        ("post", "/api/v1/tasks"): {"400", "401", "402", "404", "409", "413", "422"},
        ("get", "/api/v1/tasks"): {"400", "401", "422"},
        ("get", "/api/v1/tasks/{task_id}"): {"401", "404", "422"},
        ("post", "/api/v1/tasks/{task_id}/cancel"): {"401", "404", "409", "422"},
        ("delete", "/api/v1/tasks/{task_id}"): {"401", "404", "422"},
        ("get", "/api/v1/tasks/{task_id}/result"): {"206", "401", "404", "409", "416", "422"},
        ("get", "/api/v1/tasks/{task_id}/thumbnail"): {"206", "401", "404", "409", "416", "422"},
    }
    for (method, path), statuses in expected.items():
        declared = set(openapi["paths"][path][method]["responses"])
        assert statuses <= declared, f"{method} {path} lacks {statuses - declared}"


def test_fastapi_validation_model_replaced(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorResponse"]["required"] == ["error", "message"]
    assert openapi["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_task_id_bounded_like_upload_id(openapi: dict[str, Any]) -> None:
    upload = openapi["paths"]["/api/v1/uploads/{upload_id}"]["get"]["parameters"][0]["schema"]
    task_paths = [path for path in openapi["paths"] if "{task_id}" in path]
    assert len(task_paths) == 6
    for path in task_paths:
        for method, operation in openapi["paths"][path].items():
            parameter = next(p for p in operation["parameters"] if p["name"] == "task_id")
            schema = parameter["schema"]
            for key in ("minLength", "maxLength", "pattern"):
                assert schema[key] == upload[key], f"{method} {path} {key}"


def test_task_paging_parameters_bounded(openapi: dict[str, Any]) -> None:
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in openapi["paths"]["/api/v1/tasks"]["get"]["parameters"]
    }
    assert parameters["page"]["minimum"] == 1
    assert parameters["page"]["maximum"] == 1_000_000
    for name in ("limit", "page_size"):
        assert parameters[name]["minimum"] == 1, name
        assert parameters[name]["maximum"] == 100, name
    assert parameters["cursor"]["maxLength"] == 200


def test_description_documents_websocket(openapi: dict[str, Any]) -> None:
    description = openapi["info"]["description"]
    assert "/api/v1/ws?token=" in description
    assert '{"type": ..., "task": {...}}' in description
    for event in ("processing", "progress", "completed", "failed", "cancelled"):
        assert f"task.{event}" in description
