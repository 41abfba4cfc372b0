"""Ctrl-C on ``vidswap serve`` while a task runs: the task goes back to the queue and
completes after the next start, with its Energy spent once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.flows.client import UserClient, free_port, vidswap_process, wait_ready
from tests.shared_media import shared_face, shared_video

pytestmark = pytest.mark.slow


def wait_for_status(
    user: UserClient, task_id: str, expected_statuses: set[str], timeout: float
) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = user.http.get(f"/api/v1/tasks/{task_id}").json()
        if body["status"] in expected_statuses and (
            body["status"] != "processing" or body["progress"] > 0
        ):
            return body
        time.sleep(0.2)
    raise AssertionError(
        f"task {task_id} did not reach {expected_statuses} within {timeout} s: {body}"
    )


def task_row(database: Path, task_id: str) -> tuple[str, int]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT status, attempts FROM tasks WHERE id = ?", (task_id,)
        ).fetchone()


def energy_entries(database: Path, task_id: str) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT reason, delta FROM energy_entries WHERE reference = ?", (task_id,)
        ).fetchall()


def hold_status(database: Path, task_id: str) -> str | None:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT status FROM energy_holds WHERE task_id = ?", (task_id,)
        ).fetchone()
    return None if row is None else row[0]


def test_ctrl_c_requeues_running_task(tmp_path: Path) -> None:
    face = shared_face("obama-official-portrait-2012.jpg")
    video = shared_video("indoor-group-event-640x480-ccby.mp4")
    data_dir = tmp_path / "data"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    args = ["serve", "--port", str(port), "--data-dir", str(data_dir)]

    first_log = tmp_path / "first.log"
    with vidswap_process(args, {}, first_log) as process:
        wait_ready(base_url, process, first_log)
        user = UserClient(base_url)
        user.register("restart@example.com", "correct horse battery")
        image = user.upload(face, "image")
        target = user.upload(video, "video")
        task_id = user.create_task(image["file_url"], target["file_url"])["task_id"]
        wait_for_status(user, task_id, {"processing"}, timeout=120)
        token = user.token
    # Leaving the block sent SIGINT to serve, which stopped its worker first.
    assert process.returncode == 0, first_log.read_text()
    assert task_row(data_dir / "vidswap.db", task_id)[0] == "pending"
    assert hold_status(data_dir / "vidswap.db", task_id) == "held"
    assert energy_entries(data_dir / "vidswap.db", task_id) == []

    second_log = tmp_path / "second.log"
    with vidswap_process(args, {}, second_log) as process:
        wait_ready(base_url, process, second_log)
        user = UserClient(base_url)
        user.token = token
        user.http.headers["Authorization"] = f"Bearer {token}"
        done = wait_for_status(user, task_id, {"completed", "failed"}, timeout=300)
        assert done["status"] == "completed", second_log.read_text()

    assert energy_entries(data_dir / "vidswap.db", task_id) == [("spend", -done["energy_cost"])]
    assert hold_status(data_dir / "vidswap.db", task_id) == "spent"
    assert not any((data_dir / "tmp").rglob("*.mp4"))
