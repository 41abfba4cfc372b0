"""A small user-side client for the whole-flow tests: runs the service's commands as
subprocesses and drives them over HTTP and WebSocket on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import websockets.sync.client as ws_client

READY_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CLIENT_VARIABLES = ("VIDSWAP_APP_API_URL", "FLET_UPLOAD_DIR")


@contextmanager
def vidswap_process(
    args: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``vidswap ARGS`` with ``env`` added, its output in ``log_path``; SIGINT it on exit."""
    # `vidswap serve` also listens for gRPC; a free port keeps parallel runs apart.
    full_env = {**os.environ, "VIDSWAP_GRPC_PORT": str(free_port()), **env}
    # An app built in this test process exports its web client's API URL. The child
    # derives its own from its port unless the test sets the variable.
    for name in CLIENT_VARIABLES:
        if name not in env:
            full_env.pop(name, None)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "vidswap", *args],
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(2)
                try:
                    process.wait(45)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"service exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"service at {base_url} not ready:\n{log_path.read_text()}")


class UserClient:
    """One signed-in user of the REST API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.token = ""

    def register(self, email: str, password: str) -> dict[str, object]:
        response = self.http.post(
            "/api/v1/auth/register", json={"email": email, "password": password, "nickname": "flow"}
        )
        assert response.status_code in (200, 201), response.text
        body = response.json()
        self.token = body["access_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        return body

    def upload(self, path: Path, kind: str) -> dict[str, object]:
        with path.open("rb") as source:
            response = self.http.post(
                "/api/v1/uploads", files={"file": (path.name, source)}, data={"kind": kind}
            )
        assert response.status_code == 201, response.text
        return response.json()

    def create_task(self, image_url: str, video_url: str) -> dict[str, object]:
        response = self.http.post(
            "/api/v1/tasks",
            json={
                "image_url": image_url,
                "video_url": video_url,
                "options": {"faces": "largest"},
                "consent": True,
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    def buy_in_sandbox(self, product_id: str) -> dict[str, object]:
        """Order ``product_id`` and pay it with the sandbox provider; return the paid order."""
        created = self.http.post(
            "/api/v1/orders", json={"product_id": product_id, "provider": "sandbox"}
        )
        assert created.status_code == 201, created.text
        paid = self.http.post(
            "/api/v1/payments/sandbox/confirm", json={"order_id": created.json()["order_id"]}
        )
        assert paid.status_code == 200, paid.text
        return paid.json()

    @contextmanager
    def events(self) -> Iterator[ws_client.ClientConnection]:
        url = self.base_url.replace("http://", "ws://") + f"/api/v1/ws?token={self.token}"
        with ws_client.connect(url, open_timeout=10) as connection:
            yield connection

    def download_result(self, task_id: str, target: Path) -> None:
        with self.http.stream(
            "GET", f"/api/v1/tasks/{task_id}/result", follow_redirects=True
        ) as response:
            assert response.status_code == 200, response.read()
            with target.open("wb") as sink:
                for chunk in response.iter_bytes():
                    sink.write(chunk)


def collect_events(
    connection: ws_client.ClientConnection, task_id: str, timeout: float
) -> list[dict]:
    """Read events of ``task_id`` until it reaches a final state or ``timeout`` seconds pass."""
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            raw = connection.recv(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        event = json.loads(raw)
        if event.get("task", {}).get("task_id") != task_id:
            continue
        events.append(event)
        if event["type"] in {"task.completed", "task.failed", "task.cancelled"}:
            break
    return events
