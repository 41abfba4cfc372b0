"""Property-based API tests: the schemathesis CLI sends generated requests to a
real ``vidswap api`` server and checks for 5xx responses, undeclared status codes
and responses that do not match the OpenAPI document.

schemathesis is not a declared dependency yet, so this module is skipped when it
is not installed. It runs the CLI because the pytest plugin of schemathesis
4.32.5 fails under pytest 9.2: it reads ``Function._nodeid``, which pytest 9.2 lacks.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import Settings

pytest.importorskip("schemathesis")

# The task paths are still being built, the WebSocket has no OpenAPI operation, and
# tus needs its headers in order, which generated requests do not follow.
EXCLUDED_PATHS = r"^/api/v1/(tasks|ws|uploads/tus)"
STARTUP_SECONDS = 120
# Generated sign-ups and sign-ins would otherwise hit the per-minute limits (429).
LIMITS = {
    "VIDSWAP_AUTH_RATE_PER_MINUTE": "100000",
    "VIDSWAP_SMS_IP_HOURLY": "100000",
    "VIDSWAP_SMS_PHONE_HOURLY": "100000",
    "VIDSWAP_SMS_PHONE_DAILY": "100000",
    "VIDSWAP_SMS_RESEND_SECONDS": "0",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"vidswap api exited with status {server.returncode} before answering")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    pytest.fail(f"vidswap api did not answer {url}/healthz within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a ``vidswap api`` process on SQLite in a fresh data directory."""
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    upgrade_database(Settings(data_dir=data_dir).resolved_database_url)
    port = free_port()
    env = {**os.environ, **LIMITS, "VIDSWAP_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "vidswap", "api", "--host", "127.0.0.1", "--port", str(port)]
    log_path = data_dir / "api.log"
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def auth_header(api_url: str) -> dict[str, str]:
    response = httpx.post(
        f"{api_url}/api/v1/auth/register",
        json={"email": "fuzz@example.com", "password": "correct horse battery"},
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_api_conforms_to_openapi(api_url: str, auth_header: dict[str, str], tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{api_url}/openapi.json",
        "--header",
        f"Authorization: {auth_header['Authorization']}",
        "--checks",
        "not_a_server_error,status_code_conformance,response_schema_conformance",
        "--exclude-path-regex",
        EXCLUDED_PATHS,
        # Erasing the account would end the session every later request uses.
        "--exclude-operation-id",
        "delete_me_api_v1_users_me_delete",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "25",
        "--workers",
        "1",
    ]

    # The CLI keeps its example database in the working directory.
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
