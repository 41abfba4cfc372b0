"""Server set-up: health, reflection, TLS, options and graceful shutdown."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.conftest import make_settings
from tests.grpc.conftest import Caller, new_caller
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.grpc.server import GrpcServer, server_options, start_grpc_server
from vidswap.kit.migrate import upgrade_database
from vidswap.kit.settings import MiB, SettingsError, load_settings
from vidswap.runtime import Runtime


async def test_health_serving(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)

    for service in ("", "video.VideoService"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_services(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )

    responses = [response async for response in call]

    names = {service.name for service in responses[0].list_services_response.service}
    assert {"video.VideoService", "grpc.health.v1.Health"} <= names


async def test_stopped_server_refuses_calls(
    server: GrpcServer, stub: pb_grpc.VideoServiceStub, runtime: Runtime
) -> None:
    caller = await new_caller(runtime)
    response = await stub.ListTasks(pb.ListTasksRequest(), metadata=caller.metadata)

    await server.stop(5)

    assert list(response.tasks) == []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListTasks(pb.ListTasksRequest(), metadata=caller.metadata)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_options_carry_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, grpc_max_message_bytes=16 * MiB, grpc_keepalive_seconds=30)

    options = dict(server_options(settings))

    assert options["grpc.max_receive_message_length"] == 16 * MiB
    assert options["grpc.max_send_message_length"] == 16 * MiB
    assert options["grpc.keepalive_time_ms"] == 30_000


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"VIDSWAP_GRPC_TLS_CERT_FILE": "/tmp/cert.pem"}, "VIDSWAP_GRPC_TLS_KEY_FILE"),
        ({"VIDSWAP_GRPC_MAX_CHUNK_BYTES": str(8 * MiB)}, "VIDSWAP_GRPC_MAX_CHUNK_BYTES"),
    ],
)
def test_bad_settings_rejected(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variables: dict[str, str], named: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert named in caught.value.message("en")


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_when_configured(tmp_path: Path) -> None:
    cert_path, key_path = _self_signed(tmp_path)
    settings = make_settings(
        tmp_path / "data", grpc_tls_cert_file=cert_path, grpc_tls_key_file=key_path
    )
    settings.ensure_data_dir()
    upgrade_database(settings.resolved_database_url)
    runtime = Runtime.build(settings)
    server = await start_grpc_server(runtime, port=0)
    try:
        caller: Caller = await new_caller(runtime)
        credentials = grpc.ssl_channel_credentials(root_certificates=cert_path.read_bytes())
        async with grpc.aio.secure_channel(f"127.0.0.1:{server.port}", credentials) as channel:
            listed = await pb_grpc.VideoServiceStub(channel).ListTasks(
                pb.ListTasksRequest(), metadata=caller.metadata
            )
        assert list(listed.tasks) == []

        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await asyncio.wait_for(
                    pb_grpc.VideoServiceStub(channel).ListTasks(
                        pb.ListTasksRequest(), metadata=caller.metadata
                    ),
                    30,
                )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await server.stop(0)
        await runtime.close()
