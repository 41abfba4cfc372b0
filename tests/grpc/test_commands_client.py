"""`vidswap upload` and `vidswap task` against a real gRPC server on 127.0.0.1.

The server runs on the test's event loop, so each command runs in a thread.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import make_settings
from tests.grpc.conftest import CHUNK_SIZE, Caller, new_caller, run_worker_once
from tests.grpc.test_server import _self_signed
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.cli import main
from vidswap.commands.client import parse_size
from vidswap.grpc.server import GrpcServer, start_grpc_server
from vidswap.jobs import repository
from vidswap.jobs.models import Task
from vidswap.kit.migrate import upgrade_database
from vidswap.media.models import Upload
from vidswap.runtime import Runtime


def _env(server: GrpcServer, caller: Caller, locale: str = "en") -> dict[str, str]:
    token = dict(caller.metadata)["authorization"].removeprefix("Bearer ")
    return {
        "VIDSWAP_TOKEN": token,
        "VIDSWAP_GRPC_SERVER": f"127.0.0.1:{server.port}",
        "VIDSWAP_LOCALE": locale,
    }


async def _vidswap(args: list[str], env: dict[str, str]) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, args, env=env)


async def _uploaded(env: dict[str, str]) -> tuple[str, str]:
    chunk = str(CHUNK_SIZE)
    face = await _vidswap(["upload", str(shared_face(FACE)), "--chunk-size", chunk], env)
    clip = await _vidswap(["upload", str(shared_video(SHORT_CLIP)), "--chunk-size", chunk], env)
    assert face.exit_code == 0, face.output
    assert clip.exit_code == 0, clip.output
    return face.stdout.strip(), clip.stdout.strip()


async def test_upload_prints_file_url(server: GrpcServer, runtime: Runtime, alice: Caller) -> None:
    result = await _vidswap(
        ["upload", str(shared_face(FACE)), "--chunk-size", "16KiB", "--progress"],
        _env(server, alice),
    )

    assert result.exit_code == 0, result.output
    file_url = result.stdout.strip()
    assert file_url.startswith("/api/v1/uploads/")
    upload_id = file_url.split("/")[4]
    async with runtime.sessionmaker() as session:
        upload = await session.get(Upload, upload_id)
    assert upload is not None
    assert upload.status == "ready"
    assert upload.kind == "image"
    assert upload.size == shared_face(FACE).stat().st_size
    assert upload_id in result.stderr


async def test_task_commands_full_flow(
    server: GrpcServer, runtime: Runtime, alice: Caller, tmp_path: Path
) -> None:
    env = _env(server, alice)
    image_url, video_url = await _uploaded(env)

    created = await _vidswap(
        ["task", "create", "--image", image_url, "--video", video_url, "--consent"], env
    )
    assert created.exit_code == 0, created.output
    task_id = created.stdout.strip()

    watching = asyncio.create_task(_vidswap(["task", "watch", task_id, "--progress"], env))
    await run_worker_once(runtime, task_id)
    watched = await watching
    assert watched.exit_code == 0, watched.output
    assert watched.stdout.strip() == "completed"

    output = tmp_path / "result.mp4"
    downloaded = await _vidswap(["task", "download", task_id, str(output)], env)
    assert downloaded.exit_code == 0, downloaded.output
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    assert output.stat().st_size == task.result_size

    listed = await _vidswap(["task", "list"], env)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [f"{task_id}\tcompleted\t100%\t{listed.stdout.split()[3]}"]


async def test_cancel_then_watch_exits_1(server: GrpcServer, alice: Caller) -> None:
    env = _env(server, alice)
    image_url, video_url = await _uploaded(env)
    created = await _vidswap(
        ["task", "create", "--image", image_url, "--video", video_url, "--consent"], env
    )
    task_id = created.stdout.strip()

    cancelled = await _vidswap(["task", "cancel", task_id], env)
    watched = await _vidswap(["task", "watch", task_id], env)

    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.stdout.strip() == "cancelled"
    assert watched.exit_code == 1
    assert watched.stdout.strip() == "cancelled"


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        (
            "en",
            "Requested cancellation of task {task_id}, which is processing. Its worker stops it "
            "shortly. Follow it with `vidswap task watch {task_id}`.",
        ),
        (
            "zh-CN",
            "已请求取消任务 {task_id}（当前状态为 processing），其工作进程很快会停止它。"
            "可用 `vidswap task watch {task_id}` 跟踪。",
        ),
    ],
)
async def test_cancel_processing_says_requested(
    server: GrpcServer, runtime: Runtime, alice: Caller, locale: str, message: str
) -> None:
    env = _env(server, alice, locale)
    image_url, video_url = await _uploaded(env)
    created = await _vidswap(
        ["task", "create", "--image", image_url, "--video", video_url, "--consent"], env
    )
    task_id = created.stdout.strip()
    async with runtime.sessionmaker() as session, session.begin():
        assert await repository.claim(session, task_id, "test-worker", lease_seconds=60) == 1

    cancelled = await _vidswap(["task", "cancel", task_id], env)

    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.stdout.strip() == "processing"
    assert cancelled.stderr.strip() == message.format(task_id=task_id)
    async with runtime.sessionmaker() as session:
        task = await session.get(Task, task_id)
    assert task is not None
    assert task.cancel_requested is True


async def test_download_unfinished_task_exits_2(
    server: GrpcServer, alice: Caller, tmp_path: Path
) -> None:
    env = _env(server, alice)
    image_url, video_url = await _uploaded(env)
    created = await _vidswap(
        ["task", "create", "--image", image_url, "--video", video_url, "--consent"], env
    )
    task_id = created.stdout.strip()
    output = tmp_path / "result.mp4"

    result = await _vidswap(["task", "download", task_id, str(output)], env)

    assert result.exit_code == 2
    assert task_id in result.stderr
    assert not output.exists()


PHOTO_TARGET = "biden-official-vp-portrait-2013.jpg"


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        (
            "en",
            "Error: The result of task {task_id} is image/jpeg, which does not fit {path}. "
            "Use one of these extensions for the output file: .jpg, .jpeg.",
        ),
        (
            "zh-CN",
            "错误：任务 {task_id} 的结果是 image/jpeg，与 {path} 不符。"
            "请为输出文件使用以下扩展名之一：.jpg, .jpeg。",
        ),
    ],
)
async def test_download_photo_result_checks_extension(
    server: GrpcServer, runtime: Runtime, alice: Caller, tmp_path: Path, locale: str, message: str
) -> None:
    env = _env(server, alice, locale)
    chunk = str(CHUNK_SIZE)
    face = await _vidswap(["upload", str(shared_face(FACE)), "--chunk-size", chunk], env)
    photo = await _vidswap(["upload", str(shared_face(PHOTO_TARGET)), "--chunk-size", chunk], env)
    created = await _vidswap(
        ["task", "create", "--image", face.stdout.strip(), "--video", photo.stdout.strip()]
        + ["--consent"],
        env,
    )
    assert created.exit_code == 0, created.output
    task_id = created.stdout.strip()
    await run_worker_once(runtime, task_id)
    video_output = tmp_path / "result.mp4"
    photo_output = tmp_path / "result.JPG"

    rejected = await _vidswap(["task", "download", task_id, str(video_output)], env)
    downloaded = await _vidswap(["task", "download", task_id, str(photo_output)], env)

    assert rejected.exit_code == 2
    assert rejected.stderr.strip() == message.format(task_id=task_id, path=video_output)
    assert not video_output.exists()
    assert downloaded.exit_code == 0, downloaded.output
    assert photo_output.read_bytes()[:3] == b"\xff\xd8\xff"


async def test_create_without_consent_exits_2(server: GrpcServer, alice: Caller) -> None:
    result = await _vidswap(
        [
            "task",
            "create",
            "--image",
            "/api/v1/uploads/a/file",
            "--video",
            "/api/v1/uploads/b/file",
        ],
        _env(server, alice, locale="zh-CN"),
    )

    assert result.exit_code == 2
    assert "--consent" in result.stderr
    assert result.stderr.startswith("错误：")


async def test_unknown_task_exits_2(server: GrpcServer, alice: Caller) -> None:
    result = await _vidswap(["task", "cancel", "no-such-task"], _env(server, alice))

    assert result.exit_code == 2
    assert "no-such-task" in result.stderr
    assert "`vidswap task list`" in result.stderr
    assert "GET /api/v1/tasks" not in result.stderr
    assert result.stdout == ""


async def test_bad_chunk_size_exits_2(server: GrpcServer, alice: Caller) -> None:
    env = _env(server, alice)
    path = str(shared_face(FACE))

    unparsable = await _vidswap(["upload", path, "--chunk-size", "lots"], env)
    too_large = await _vidswap(["upload", path, "--chunk-size", "8MiB"], env)

    assert unparsable.exit_code == 2
    assert "'lots'" in unparsable.stderr
    assert too_large.exit_code == 2
    assert str(8 * 1024 * 1024) in too_large.stderr


def test_server_down_exits_1() -> None:
    from tests.flows.client import free_port

    env = {"VIDSWAP_TOKEN": "token", "VIDSWAP_LOCALE": "en"}
    server = f"127.0.0.1:{free_port()}"

    result = CliRunner().invoke(main, ["task", "list", "--server", server], env=env)

    assert result.exit_code == 1
    assert server in result.stderr


def test_missing_token_exits_2() -> None:
    result = CliRunner().invoke(main, ["task", "list"], env={"VIDSWAP_TOKEN": ""})

    assert result.exit_code == 2
    assert "--token" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("65536", 65536), ("64KiB", 65536), ("1MiB", 1048576), ("4 MiB", 4194304), ("2k", 2048)],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


async def test_tls_ca_connects_with_tls(tmp_path: Path) -> None:
    cert_path, key_path = _self_signed(tmp_path)
    settings = make_settings(
        tmp_path / "data", grpc_tls_cert_file=cert_path, grpc_tls_key_file=key_path
    )
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    runtime = Runtime.build(settings)
    server = await start_grpc_server(runtime, port=0)
    try:
        env = _env(server, await new_caller(runtime))
        listed = await _vidswap(["task", "list", "--tls-ca", str(cert_path)], env)
        plaintext = await _vidswap(["task", "list"], env)
    finally:
        await server.stop(0)
        await runtime.close()

    assert listed.exit_code == 0, listed.output
    assert "No tasks yet." in listed.stderr
    assert plaintext.exit_code == 1


def test_unreadable_tls_ca_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    env = {"VIDSWAP_TOKEN": "token", "VIDSWAP_LOCALE": "en"}

    result = CliRunner().invoke(main, ["task", "list", "--tls-ca", str(missing)], env=env)

    assert result.exit_code == 2
    assert str(missing) in result.stderr
