"""`vidswap serve` serves gRPC beside the REST API; `vidswap grpc` serves it alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.flows.client import free_port, vidswap_process, wait_ready
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc

READY_SECONDS = 60.0


def _wait_serving(port: int) -> grpc.Channel:
    """Return a channel to ``port`` once its health service reports SERVING."""
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            response = health.Check(health_pb2.HealthCheckRequest(), timeout=2)
            if response.status == health_pb2.HealthCheckResponse.SERVING:
                return channel
        except grpc.RpcError:
            time.sleep(0.3)
    channel.close()
    pytest.fail(f"no gRPC server answered on port {port}")


def test_serve_runs_grpc(tmp_path: Path) -> None:
    port, grpc_port = free_port(), free_port()
    log_path = tmp_path / "serve.log"
    args = ["serve", "--port", str(port), "--grpc-port", str(grpc_port)]
    args += ["--data-dir", str(tmp_path / "data")]

    with vidswap_process(args, {}, log_path) as process:
        wait_ready(f"http://127.0.0.1:{port}", process, log_path)
        channel = _wait_serving(grpc_port)
        with channel, pytest.raises(grpc.RpcError) as caught:
            pb_grpc.VideoServiceStub(channel).ListTasks(pb.ListTasksRequest(), timeout=10)

    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert process.returncode == 0, log_path.read_text()
    assert "grpc.stopped" in log_path.read_text()


def _migrated_env(tmp_path: Path) -> dict[str, str]:
    """Return the environment of a data directory migrated by `vidswap db upgrade`, which
    `vidswap grpc`, like `vidswap api`, expects scaled-out deployments to run first."""
    env = {"VIDSWAP_DATA_DIR": str(tmp_path / "data")}
    upgrade = subprocess.run(
        [sys.executable, "-m", "vidswap", "db", "upgrade"],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr.decode()
    return env


def test_grpc_command_stops_on_sigterm(tmp_path: Path) -> None:
    grpc_port = free_port()
    log_path = tmp_path / "grpc.log"
    env = _migrated_env(tmp_path)

    with vidswap_process(["grpc", "--grpc-port", str(grpc_port)], env, log_path) as process:
        channel = _wait_serving(grpc_port)
        channel.close()
        process.send_signal(signal.SIGTERM)
        process.wait(60)

    log_text = log_path.read_text()
    assert process.returncode == 0, log_text
    assert "grpc.stopping" in log_text
    assert "grpc.stopped" in log_text


def test_grpc_command_port_in_use_exits_2(tmp_path: Path) -> None:
    grpc_port = free_port()
    env = _migrated_env(tmp_path)

    with vidswap_process(["grpc", "--grpc-port", str(grpc_port)], env, tmp_path / "grpc.log"):
        _wait_serving(grpc_port).close()
        second = subprocess.run(
            [sys.executable, "-m", "vidswap", "grpc", "--grpc-port", str(grpc_port)],
            env={**os.environ, **env, "VIDSWAP_LOCALE": "en"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert second.returncode == 2
    assert f"Port {grpc_port} on 127.0.0.1 is already in use" in second.stderr
    assert "--grpc-port" in second.stderr
