"""Build, start and stop the gRPC server: VideoService, health, reflection, TLS and keepalive.

``vidswap grpc`` runs it on its own (``run_grpc``). ``vidswap serve`` starts it in
the API process's lifespan, on the same event loop and runtime as the REST API.
"""

from __future__ import annotations

import asyncio
import signal

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from vidswap.grpc.auth import AuthInterceptor
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.grpc.servicer import VideoServicer
from vidswap.kit.errors import BadInputError
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

log = structlog.get_logger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["VideoService"].full_name


class GrpcTlsFileError(BadInputError):
    code = "grpc_tls_file_unreadable"
    messages = {
        "en": "Cannot read the TLS file {path} ({detail}). Check VIDSWAP_GRPC_TLS_CERT_FILE and VIDSWAP_GRPC_TLS_KEY_FILE.",
        "zh-CN": "无法读取 TLS 文件 {path}（{detail}）。请检查 VIDSWAP_GRPC_TLS_CERT_FILE 和 VIDSWAP_GRPC_TLS_KEY_FILE。",
    }


class GrpcPortError(BadInputError):
    code = "port_in_use"
    messages = {
        "en": "The gRPC server cannot listen on {address}. Stop the program using it or choose another port with --grpc-port.",
        "zh-CN": "gRPC 服务无法监听 {address}。请停止占用它的程序，或用 --grpc-port 选择其他端口。",
    }


class GrpcServer:
    """A started server, its bound port and its health servicer."""

    def __init__(
        self, server: grpc.aio.Server, port: int, health: health.aio.HealthServicer
    ) -> None:
        self.server = server
        self.port = port
        self._health = health

    async def stop(self, grace_seconds: float) -> None:
        """Report NOT_SERVING, refuse new calls and give running ones ``grace_seconds``."""
        await self._health.enter_graceful_shutdown()
        await self.server.stop(grace_seconds)
        log.info("grpc.stopped", port=self.port)


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """Return the channel options: message size limits and keepalive, in milliseconds."""
    return [
        ("grpc.max_receive_message_length", settings.grpc_max_message_bytes),
        ("grpc.max_send_message_length", settings.grpc_max_message_bytes),
        ("grpc.keepalive_time_ms", int(settings.grpc_keepalive_seconds * 1000)),
        ("grpc.keepalive_timeout_ms", int(settings.grpc_keepalive_timeout_seconds * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        (
            "grpc.http2.min_ping_interval_without_data_ms",
            int(settings.grpc_min_ping_interval_seconds * 1000),
        ),
        ("grpc.http2.max_pings_without_data", 0),
    ]


async def start_grpc_server(runtime: Runtime, port: int | None = None) -> GrpcServer:
    """Start the server on ``settings.host`` and ``port`` (``settings.grpc_port`` when None;
    0 picks a free port) and return it once it listens."""
    settings = runtime.settings
    server = grpc.aio.server(
        interceptors=[AuthInterceptor(runtime)], options=server_options(settings)
    )
    pb_grpc.add_VideoServiceServicer_to_server(VideoServicer(runtime), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )

    address = f"{settings.host}:{settings.grpc_port if port is None else port}"
    credentials = _credentials(settings)
    try:
        if credentials is None:
            bound = server.add_insecure_port(address)
        else:
            bound = server.add_secure_port(address, credentials)
    except RuntimeError as exc:
        raise GrpcPortError(address=address) from exc
    if bound == 0:
        raise GrpcPortError(address=address)

    await server.start()
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("grpc.started", host=settings.host, port=bound, tls=credentials is not None)
    return GrpcServer(server, bound, health_servicer)


def _credentials(settings: Settings) -> grpc.ServerCredentials | None:
    if settings.grpc_tls_cert_file is None or settings.grpc_tls_key_file is None:
        return None
    return grpc.ssl_server_credentials(
        [(_read(settings.grpc_tls_key_file), _read(settings.grpc_tls_cert_file))]
    )


def _read(path: object) -> bytes:
    try:
        with open(str(path), "rb") as source:
            return source.read()
    except OSError as exc:
        raise GrpcTlsFileError(path=path, detail=exc.strerror or type(exc).__name__) from exc


async def run_grpc(settings: Settings) -> None:
    """Run the gRPC server alone until SIGINT or SIGTERM, then stop it gracefully."""
    runtime = Runtime.build(settings)
    await runtime.start()
    try:
        server = await start_grpc_server(runtime)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        log.info("grpc.stopping", grace_seconds=settings.grpc_shutdown_grace_seconds)
        await server.stop(settings.grpc_shutdown_grace_seconds)
    finally:
        await runtime.stop()
        await runtime.close()
