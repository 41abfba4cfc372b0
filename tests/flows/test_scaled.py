"""The whole user flow scaled out: PostgreSQL, Redis (queue and pub/sub), a SeaweedFS
S3 server, one ``vidswap api`` process and two ``vidswap worker`` processes."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.flows.client import (
    UserClient,
    collect_events,
    free_port,
    vidswap_process,
    wait_ready,
)
from tests.flows.test_embedded import probe
from tests.media.seaweed import SeaweedS3
from tests.services import REDIS_URL, require_redis
from tests.shared_media import shared_face, shared_video

pytestmark = pytest.mark.slow


def scaled_env(postgres_database: str, seaweedfs: SeaweedS3, data_dir: Path) -> dict[str, str]:
    env = {
        "VIDSWAP_DATA_DIR": str(data_dir),
        "VIDSWAP_DATABASE_URL": postgres_database,
        "VIDSWAP_REDIS_URL": REDIS_URL,
        # A queue of its own, so no other test's messages reach these workers.
        "VIDSWAP_QUEUE_NAME": f"flow-{uuid.uuid4().hex[:8]}",
        "VIDSWAP_SECRET_KEY": "s" * 48,
        **seaweedfs.credentials_env(),
    }
    for name, value in seaweedfs.settings_values().items():
        env[f"VIDSWAP_{name.upper()}"] = str(value)
    return env


def test_scaled_services_swap_video(
    tmp_path: Path, postgres_database: str, seaweedfs: SeaweedS3
) -> None:
    require_redis()
    face = shared_face("obama-official-portrait-2012.jpg")
    video = shared_video("indoor-group-event-1s-vp8-opus-ccby.webm")
    env = scaled_env(postgres_database, seaweedfs, tmp_path / "data")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"

    with ExitStack() as stack:
        api_log = tmp_path / "api.log"
        api = stack.enter_context(vidswap_process(["api", "--port", str(port)], env, api_log))
        workers = [
            stack.enter_context(vidswap_process(["worker"], env, tmp_path / f"worker-{index}.log"))
            for index in range(2)
        ]
        wait_ready(base_url, api, api_log)
        readiness = httpx.get(f"{base_url}/readyz").json()
        assert readiness["checks"]["storage"] == "ok"
        assert all(worker.poll() is None for worker in workers)

        user = UserClient(base_url)
        user.register(f"scaled-{uuid.uuid4().hex[:6]}@example.com", "correct horse battery")
        image = user.upload(face, "image")
        target = user.upload(video, "video")

        with user.events() as connection:
            created = user.create_task(image["file_url"], target["file_url"])
            events = collect_events(connection, created["task_id"], timeout=240)

        logs = "\n".join(path.read_text() for path in tmp_path.glob("*.log"))
        types = [event["type"] for event in events]
        assert types and types[-1] == "task.completed", f"{types}\n{logs}"
        assert "task.progress" in types

        status = user.http.get(f"/api/v1/tasks/{created['task_id']}").json()
        assert status["status"] == "completed"
        # On S3 the result endpoint redirects to a presigned SeaweedFS URL.
        redirect = user.http.get(f"/api/v1/tasks/{created['task_id']}/result")
        assert redirect.status_code in (302, 307)
        assert redirect.headers["location"].startswith(seaweedfs.endpoint_url)

        result = tmp_path / "result.mp4"
        user.download_result(created["task_id"], result)

    duration, width, height, audio_streams = probe(result)
    source_duration, source_width, source_height, _ = probe(video)
    assert duration == pytest.approx(source_duration, abs=0.1)
    assert (width, height) == (source_width, source_height)
    assert audio_streams == 1
