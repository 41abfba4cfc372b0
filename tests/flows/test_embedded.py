"""The whole user flow on ``vidswap serve``: SQLite, local files, the SQLite queue and a
worker child process, driven over HTTP and WebSocket like a client app would."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.flows.client import (
    UserClient,
    collect_events,
    free_port,
    vidswap_process,
    wait_ready,
)
from tests.shared_media import shared_face, shared_video

pytestmark = pytest.mark.slow


def probe(path: Path) -> tuple[float, int, int, int]:
    """Return duration in seconds, width, height and the number of audio streams."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        return (
            float(container.duration) / av.time_base,
            video.width,
            video.height,
            len(container.streams.audio),
        )


def test_serve_swaps_uploaded_video(tmp_path: Path) -> None:
    face = shared_face("obama-official-portrait-2012.jpg")
    video = shared_video("indoor-group-event-1s-hevc-ccby.mp4")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"

    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    with vidswap_process(args, {}, log_path) as process:
        wait_ready(base_url, process, log_path)
        user = UserClient(base_url)
        user.register("flow@example.com", "correct horse battery")

        image = user.upload(face, "image")
        target = user.upload(video, "video")
        assert target["media"]["duration"] == pytest.approx(1.03, abs=0.1)

        with user.events() as connection:
            created = user.create_task(image["file_url"], target["file_url"])
            assert created["status"] == "pending"
            events = collect_events(connection, created["task_id"], timeout=240)

        types = [event["type"] for event in events]
        assert types, f"no events received; service log:\n{log_path.read_text()}"
        assert types[-1] == "task.completed", f"{types}\n{log_path.read_text()}"
        assert "task.progress" in types

        status = user.http.get(f"/api/v1/tasks/{created['task_id']}").json()
        assert status["status"] == "completed"
        assert status["progress"] == 100
        assert status["energy_cost"] >= 1
        assert status["processing_seconds"] > 0
        assert status["result_url"]

        result = tmp_path / "result.mp4"
        user.download_result(created["task_id"], result)

        order = user.buy_in_sandbox("pro_monthly")
        assert order["status"] == "paid"
        profile = user.http.get("/api/v1/users/me").json()
        assert profile["member_level"] == 1
        assert profile["energy_balance"] == 100 - status["energy_cost"] + 600
        reasons = [
            entry["reason"] for entry in user.http.get("/api/v1/users/me/energy").json()["entries"]
        ]
        assert reasons == ["grant", "spend", "grant"]

    duration, width, height, audio_streams = probe(result)
    source_duration, source_width, source_height, source_audio = probe(video)
    assert duration == pytest.approx(source_duration, abs=0.1)
    assert (width, height) == (source_width, source_height)
    assert audio_streams == source_audio == 1
    assert process.returncode == 0, log_path.read_text()
