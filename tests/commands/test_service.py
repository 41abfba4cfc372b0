"""The service commands: settings validation, ``db upgrade`` and ``serve`` start-up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.flows.client import free_port, vidswap_process, wait_ready


def run_vidswap(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("VIDSWAP_")}
    return subprocess.run(
        [sys.executable, "-m", "vidswap", *args],
        env={**clean, "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_db_upgrade_creates_database(tmp_path: Path) -> None:
    result = run_vidswap("db", "upgrade", env={"VIDSWAP_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "migrated to the newest revision" in result.stdout
    assert (tmp_path / "vidswap.db").is_file()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_db_upgrade_postgres(postgres_database: str, tmp_path: Path) -> None:
    result = run_vidswap(
        "db",
        "upgrade",
        env={"VIDSWAP_DATA_DIR": str(tmp_path), "VIDSWAP_DATABASE_URL": postgres_database},
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql+asyncpg://" in result.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VIDSWAP_ENVIRONMENT": "production"}, "VIDSWAP_SECRET_KEY"),
        ({"VIDSWAP_SECRET_KEY": "changeme"}, "VIDSWAP_SECRET_KEY"),
        ({"VIDSWAP_PORT": "eighty"}, "VIDSWAP_PORT"),
        ({"VIDSWAP_STORAGE": "s3"}, "VIDSWAP_S3_BUCKET"),
        ({"VIDSWAP_STORAGE": "ftp"}, "VIDSWAP_STORAGE"),
        ({"VIDSWAP_WECHAT_APP_ID": "wx123"}, "VIDSWAP_WECHAT_APP_SECRET"),
        ({"VIDSWAP_GOOGLE_CLIENT_IDS": "not-json"}, "VIDSWAP_GOOGLE_CLIENT_IDS"),
        ({"VIDSWAP_STRIPE_API_KEY": "sk_test_1"}, "VIDSWAP_STRIPE_WEBHOOK_SECRET"),
        ({"VIDSWAP_FCM_SERVICE_ACCOUNT_FILE": "/missing.json"}, "VIDSWAP_FCM_SERVICE_ACCOUNT_FILE"),
        ({"VIDSWAP_DATABASE_URL": "notaurl"}, "VIDSWAP_DATABASE_URL"),
        ({"VIDSWAP_DATABASE_URL": "postgresql://postgres@127.0.0.1/db"}, "VIDSWAP_DATABASE_URL"),
        ({"VIDSWAP_REDIS_URL": "notaurl"}, "VIDSWAP_REDIS_URL"),
        (
            {
                "VIDSWAP_ENVIRONMENT": "production",
                "VIDSWAP_SECRET_KEY": "k" * 40,
                "VIDSWAP_WECHAT_WEB_APP_ID": "wx0000000000000web",
                "VIDSWAP_WECHAT_WEB_APP_SECRET": "web-secret",
            },
            "VIDSWAP_PUBLIC_URL",
        ),
    ],
)
def test_bad_setting_exits_2(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = run_vidswap("api", env={"VIDSWAP_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"VIDSWAP_DATA_DIR={tmp_path / 'from-dotenv'}\n")
    result = run_vidswap("db", "upgrade", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv" / "vidswap.db").is_file()


def test_dotenv_bad_value_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("VIDSWAP_PORT=eighty\n")
    result = run_vidswap("api", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "VIDSWAP_PORT" in result.stderr


def test_bad_setting_message_in_chinese(tmp_path: Path) -> None:
    result = run_vidswap(
        "api",
        env={"VIDSWAP_DATA_DIR": str(tmp_path), "VIDSWAP_PORT": "x", "VIDSWAP_LOCALE": "zh-CN"},
    )
    assert result.returncode == 2
    assert "配置项 VIDSWAP_PORT 无效" in result.stderr


def test_serve_starts_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    data_dir = tmp_path / "data"
    args = ["serve", "--port", str(port), "--data-dir", str(data_dir)]
    with vidswap_process(args, {}, log_path) as process:
        wait_ready(f"http://127.0.0.1:{port}", process, log_path)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
        assert (data_dir / "vidswap.db").is_file()
    assert process.returncode == 0, log_path.read_text()
    assert "serve.workers_stopped" in log_path.read_text()


def wait_for_log(log_path: Path, event: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while event not in log_path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{event} not logged:\n{log_path.read_text()}")
        time.sleep(0.2)


def test_serve_sigterm_stops_workers(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    args = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    with vidswap_process(args, {}, log_path) as process:
        wait_ready(f"http://127.0.0.1:{port}", process, log_path)
        # The API can be ready before the worker process has finished starting.
        wait_for_log(log_path, "worker.started")
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    log_text = log_path.read_text()
    assert process.returncode == 0, log_text
    assert "serve.workers_stopped" in log_text
    assert "worker.stopped" in log_text


def test_serve_port_in_use_exits_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_vidswap("serve", "--port", str(port), env={"VIDSWAP_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr


def test_serve_bad_env_with_port_option(tmp_path: Path) -> None:
    result = run_vidswap(
        "serve",
        "--port",
        str(free_port()),
        env={"VIDSWAP_DATA_DIR": str(tmp_path), "VIDSWAP_PORT": "eighty"},
    )
    assert result.returncode == 2
    assert "VIDSWAP_PORT" in result.stderr


def test_api_unmigrated_database_exits_2(tmp_path: Path) -> None:
    result = run_vidswap("api", env={"VIDSWAP_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "vidswap db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_unreachable_database_exits_1(tmp_path: Path) -> None:
    port = free_port()
    result = run_vidswap(
        "worker",
        env={
            "VIDSWAP_DATA_DIR": str(tmp_path),
            "VIDSWAP_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none",
        },
    )
    assert result.returncode == 1
    assert "Cannot connect to the database" in result.stderr
    assert "Traceback" not in result.stderr


# Commands that read VIDSWAP_DATABASE_URL and VIDSWAP_REDIS_URL. ``with_free_ports`` adds
# the ports that serve binds.
SETTINGS_COMMANDS = [
    pytest.param(["serve"], id="serve"),
    pytest.param(["api"], id="api"),
    pytest.param(["grpc"], id="grpc"),
    pytest.param(["worker"], id="worker"),
    pytest.param(["db", "upgrade"], id="db-upgrade"),
    pytest.param(["products", "list"], id="products-list"),
    pytest.param(["orders", "refund", "order-1"], id="orders-refund"),
]


def with_free_ports(args: list[str]) -> list[str]:
    if args == ["serve"]:
        return [*args, "--port", str(free_port()), "--grpc-port", str(free_port())]
    return args


@pytest.mark.parametrize("args", SETTINGS_COMMANDS)
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VIDSWAP_DATABASE_URL", "notaurl", "it is not a database URL; use postgresql+asyncpg://"),
        ("VIDSWAP_REDIS_URL", "notaurl", "Redis URL must specify one of the following schemes"),
    ],
)
def test_bad_url_exits_2_one_line(
    tmp_path: Path, args: list[str], variable: str, value: str, message: str
) -> None:
    result = run_vidswap(
        *with_free_ports(args), env={"VIDSWAP_DATA_DIR": str(tmp_path), variable: value}
    )

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: Invalid setting {variable}: ")
    assert message in lines[0]


def test_bad_url_message_in_chinese(tmp_path: Path) -> None:
    result = run_vidswap(
        "worker",
        env={
            "VIDSWAP_DATA_DIR": str(tmp_path),
            "VIDSWAP_REDIS_URL": "notaurl",
            "VIDSWAP_LOCALE": "zh-CN",
        },
    )

    assert result.returncode == 2
    assert "配置项 VIDSWAP_REDIS_URL 无效" in result.stderr


@pytest.mark.parametrize("args", [["serve"], ["api"], ["grpc"], ["worker"]])
def test_unreachable_redis_exits_1(tmp_path: Path, args: list[str]) -> None:
    upgraded = run_vidswap("db", "upgrade", env={"VIDSWAP_DATA_DIR": str(tmp_path)})
    assert upgraded.returncode == 0, upgraded.stderr
    port = free_port()

    result = run_vidswap(
        *with_free_ports(args),
        env={
            "VIDSWAP_DATA_DIR": str(tmp_path),
            "VIDSWAP_REDIS_URL": f"redis://:secret@127.0.0.1:{port}/0",
        },
    )

    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: Cannot connect to Redis at redis://:***@127.0.0.1:{port}/0")
    assert "VIDSWAP_REDIS_URL is correct" in lines[0]
    assert "secret" not in result.stderr


def test_serve_unreachable_database_exits_1(tmp_path: Path) -> None:
    port = free_port()

    result = run_vidswap(
        *with_free_ports(["serve"]),
        env={
            "VIDSWAP_DATA_DIR": str(tmp_path),
            "VIDSWAP_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none",
        },
    )

    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: Cannot connect to the database postgresql+asyncpg://")
    assert "VIDSWAP_DATABASE_URL is correct" in lines[0]


def test_api_missing_database_file_exits_2(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"

    result = run_vidswap("api", env={}, cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"Error: The database file {data_dir / 'vidswap.db'} does not exist. "
        "Set VIDSWAP_DATA_DIR to the folder given to `vidswap serve --data-dir`, "
        "or VIDSWAP_DATABASE_URL to the database. To start a new one, run `vidswap db upgrade`."
    )
    assert not (data_dir / "vidswap.db").exists()
