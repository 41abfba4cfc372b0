"""``vidswap app``: the web client alone, run as a subprocess on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.flows.client import free_port, vidswap_process

PLACEHOLDER_ENTRY = "tests.app.placeholder_app:main"
READY_SECONDS = 60.0


def wait_for_page(url: str, process: subprocess.Popen[bytes], log_path: Path) -> httpx.Response:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text()
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer:\n{log_path.read_text()}")


def run_app_command(*args: str, entry: str = PLACEHOLDER_ENTRY) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vidswap", "app", *args],
        env={"PATH": "/usr/bin:/bin", "VIDSWAP_APP_ENTRY": entry, "LANG": "en_US.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_app_serves_page_for_api(tmp_path: Path) -> None:
    port = free_port()
    api_url = f"http://127.0.0.1:{free_port()}"
    log_path = tmp_path / "app.log"
    args = ["app", "--api-url", api_url, "--port", str(port)]

    with vidswap_process(args, {"VIDSWAP_APP_ENTRY": PLACEHOLDER_ENTRY}, log_path) as process:
        page = wait_for_page(f"http://127.0.0.1:{port}/", process, log_path)
        manifest = httpx.get(f"http://127.0.0.1:{port}/assets/FontManifest.json").json()
        process.send_signal(2)
        assert process.wait(30) == 0, log_path.read_text()

    assert '<base href="/">' in page.text
    assert "flet.noCdn=true;" in page.text
    policy = dict(
        part.split(" ", 1) for part in page.headers["content-security-policy"].split("; ")
    )
    assert policy["connect-src"] == f"'self' {api_url}"
    assert policy["media-src"] == f"'self' data: blob: {api_url}"
    assert manifest[-1]["family"] == "Roboto"
    output = log_path.read_text()
    assert f"running at http://127.0.0.1:{port}/ and calls the API at {api_url}" in output


def test_app_rejects_bad_api_url() -> None:
    result = run_app_command("--api-url", "ftp://127.0.0.1/api", "--port", str(free_port()))
    assert result.returncode == 2
    assert "Invalid --api-url ftp://127.0.0.1/api" in result.stderr
    assert "Traceback" not in result.stderr


def test_app_without_client_exits_2() -> None:
    result = run_app_command("--port", str(free_port()), entry="vidswap_missing_client.main:main")
    assert result.returncode == 2
    assert "pip install -e ./client" in result.stderr
    assert "Traceback" not in result.stderr
