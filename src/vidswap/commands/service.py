"""``vidswap serve``, ``api``, ``worker`` and ``db upgrade``."""

from __future__ import annotations

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
    "upgraded": {
        "en": "The database is up to date: {url}",
        "zh-CN": "数据库已升级到最新版本：{url}",
    },
}


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


def _fail(error: VidswapError) -> NoReturn:
    click.echo(_say("error", message=error.message(system_locale())), err=True)
    sys.exit(error.exit_code)


def _settings(**overrides: object) -> Settings:
    """Load and validate the settings, or exit with status 2 naming the bad setting."""
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
        settings.ensure_data_dir()
        _ = settings.signing_key  # validates VIDSWAP_SECRET_KEY, or creates the embedded one
    except VidswapError as error:
        _fail(error)
    configure_logging(level=settings.log_level, json=settings.log_json)
    return settings


def _migrate(settings: Settings) -> None:
    from vidswap.kit.migrate import upgrade_database

    upgrade_database(settings.resolved_database_url)


@click.command()
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="HTTP port [default: 8000].")
@click.option(
    "--grpc-port",
    type=int,
    default=None,
    help="gRPC port [default: 50051]. Accepted for the gRPC VideoService, which is not built yet.",
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
    _migrate(settings)

    from vidswap.commands.supervisor import WorkerSupervisor

    supervisor = WorkerSupervisor(settings, settings.worker_processes)
    supervisor.start()
    click.echo(
        _say("serving", host=settings.host, port=settings.port, data_dir=settings.data_dir),
        err=True,
    )
    try:
        _run_http(settings)
    finally:
        supervisor.stop(WORKER_STOP_SECONDS)


def _run_http(settings: Settings) -> None:
    import uvicorn

    from vidswap.api.app import create_app

    log.info("api.starting", host=settings.host, port=settings.port)
    uvicorn.run(
        create_app(settings),
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
    _run_http(settings)


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
    from vidswap.worker.main import run_worker

    run_worker(settings, concurrency=concurrency)


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Apply database migrations up to the newest revision."""
    settings = _settings()
    _migrate(settings)
    click.echo(_say("upgraded", url=_redacted(settings.resolved_database_url)))


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
