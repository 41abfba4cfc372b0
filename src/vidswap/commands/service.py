"""``vidswap serve``, ``api``, ``grpc``, ``worker`` and ``db upgrade``."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

import click
import structlog

from vidswap.kit.errors import VidswapError
from vidswap.kit.i18n import localize, system_locale
from vidswap.kit.logging import configure_logging
from vidswap.kit.settings import Settings, load_settings

log = structlog.get_logger(__name__)

WORKER_STOP_SECONDS = 30.0

_TEXT = {
    "error": {"en": "Error: {message}", "zh-CN": "错误：{message}"},
    "serving": {
        "en": "vidswap is running at http://{host}:{port} (data in {data_dir}). Press Ctrl-C to stop.",
        "zh-CN": "vidswap 已在 http://{host}:{port} 运行（数据目录 {data_dir}）。按 Ctrl-C 停止。",
    },
    "worker_failed": {
        "en": "Stopped: the worker rejected its settings; its error is in the log above.",
        "zh-CN": "已停止：工作进程拒绝了其配置，错误信息见上方日志。",
    },
    "upgraded": {
        "en": "The database is migrated to the newest revision: {url}",
        "zh-CN": "数据库已迁移到最新版本：{url}",
    },
}


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


def _fail(error: VidswapError) -> NoReturn:
    click.echo(_say("error", message=error.message(system_locale())), err=True)
    sys.exit(error.exit_code)


def _settings(**overrides: object) -> Settings:
    """Load and validate the settings, or exit with status 2 naming the bad setting."""
    from vidswap.runtime import check_providers

    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
        settings.ensure_data_dir()
        _ = settings.signing_key  # validates VIDSWAP_SECRET_KEY, or creates the embedded one
        check_providers(settings)
    except VidswapError as error:
        _fail(error)
    configure_logging(level=settings.log_level, json=settings.log_json)
    _mute_native_stderr()
    return settings


def _mute_native_stderr() -> None:
    """Point file descriptor 2 at /dev/null for the rest of the process.

    MediaPipe and TFLite write their own log lines straight to descriptor 2 each
    time a face graph starts, in the API (photo uploads) and in workers. Python's
    output is unaffected because ``vidswap``'s entry point already moved
    ``sys.stderr`` to a duplicate of descriptor 2; when it did not (an embedding
    host), nothing is muted. VIDSWAP_DEBUG=1 keeps the native lines.
    """
    if os.environ.get("VIDSWAP_DEBUG"):
        return
    try:
        if sys.stderr is None or sys.stderr.fileno() == 2:
            return
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _require_services(settings: Settings) -> None:
    """Exit with a message naming the fix when the database is missing, unreachable
    or behind, or when Redis is set but unreachable."""
    from vidswap.kit.migrate import check_database_current
    from vidswap.runtime import check_redis

    try:
        check_database_current(settings.resolved_database_url)
        check_redis(settings)
    except VidswapError as error:
        _fail(error)


def _migrate(settings: Settings) -> None:
    """Migrate the database, or exit with a message when it cannot be reached."""
    from vidswap.kit.migrate import current_revision, upgrade_database

    try:
        # Connect once first, so an unreachable database gets one line, not
        # Alembic's traceback.
        current_revision(settings.resolved_database_url)
    except VidswapError as error:
        _fail(error)
    upgrade_database(settings.resolved_database_url)


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="HTTP port [default: 8000].")
@click.option(
    "--grpc-port",
    type=int,
    default=None,
    help="gRPC port of the VideoService [default: 50051].",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory for the database, files and queue [default: ./var].",
)
def serve(host: str | None, port: int | None, grpc_port: int | None, data_dir: Path | None) -> None:
    """Run everything on this machine: API, queue and a worker, on SQLite and local files."""
    settings = _settings(host=host, port=port, grpc_port=grpc_port, data_dir=data_dir)
    _check_port_free(settings.host, settings.port)
    _check_port_free(settings.host, settings.grpc_port, option="--grpc-port")
    _migrate(settings)
    _require_services(settings)

    from vidswap.commands.supervisor import WorkerSupervisor

    supervisor = WorkerSupervisor(settings, settings.worker_processes)
    supervisor.start()
    click.echo(
        _say("serving", host=settings.host, port=settings.port, data_dir=settings.data_dir),
        err=True,
    )
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        _run_http(settings, with_grpc=True)
    except _Terminated:
        log.info("serve.terminated")
    finally:
        signal.signal(signal.SIGTERM, previous)
        supervisor.stop(WORKER_STOP_SECONDS)
    if supervisor.failed:
        click.echo(_say("worker_failed"), err=True)
        sys.exit(1)


class _Terminated(Exception):
    """SIGTERM, raised once uvicorn has shut down, so the workers are stopped too."""


def _raise_terminated(signum: int, frame: object) -> None:
    # Uvicorn handles SIGTERM itself while it runs, then restores this handler and
    # raises the signal again. The default action would kill serve before it stops
    # its workers.
    raise _Terminated()


class PortInUseError(VidswapError):
    code = "port_in_use"
    exit_code = 2
    messages = {
        "en": "Port {port} on {host} is already in use. Stop the program using it or choose another port with {option}.",
        "zh-CN": "{host} 上的端口 {port} 已被占用。请停止占用它的程序，或用 {option} 选择其他端口。",
    }


def _check_port_free(host: str, port: int, option: str = "--port") -> None:
    """Exit with status 2 before starting anything when ``host:port`` cannot be bound."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            _fail(PortInUseError(host=host, port=port, option=option))


def _run_http(settings: Settings, with_grpc: bool = False) -> None:
    """Run uvicorn with the API; ``with_grpc`` also serves gRPC from the app's lifespan."""
    import uvicorn

    from vidswap.api.app import create_app

    log.info("api.starting", host=settings.host, port=settings.port)
    uvicorn.run(
        create_app(settings, with_grpc=with_grpc),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_keep_alive=settings.http_keep_alive_seconds,
    )
    log.info("api.stopped")


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="HTTP port [default: 8000].")
def api(host: str | None, port: int | None) -> None:
    """Run the REST API only (scaled out: run several behind a load balancer)."""
    settings = _settings(host=host, port=port)
    _require_services(settings)
    _run_http(settings)


@click.command(name="grpc")
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1].")
@click.option("--grpc-port", type=int, default=None, help="gRPC port [default: 50051].")
def grpc_command(host: str | None, grpc_port: int | None) -> None:
    """Run the gRPC VideoService only (scaled out, beside `vidswap api` replicas)."""
    settings = _settings(host=host, grpc_port=grpc_port)
    _require_services(settings)
    _check_port_free(settings.host, settings.grpc_port, option="--grpc-port")
    import asyncio

    from vidswap.grpc.server import run_grpc

    try:
        asyncio.run(run_grpc(settings))
    except VidswapError as error:
        _fail(error)


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Tasks this worker runs at the same time.",
)
def worker(concurrency: int) -> None:
    """Run a queue worker that processes swap tasks."""
    settings = _settings()
    _require_services(settings)
    from vidswap.worker.main import run_worker

    run_worker(settings, concurrency=concurrency)


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Apply database migrations up to the newest revision (creating the database)."""
    settings = _settings()
    _migrate(settings)
    click.echo(_say("upgraded", url=_redacted(settings.resolved_database_url)))


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
