"""Connections to the real services the service tests use: PostgreSQL and Redis.

A test that needs a service skips with the reason when it cannot be reached,
except under CI (CI=true), where a missing service fails the run.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get(
    "VIDSWAP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/"
)
REDIS_URL = os.environ.get("VIDSWAP_TEST_REDIS_URL", "redis://127.0.0.1:6379/")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    reason = f"{name} is not reachable at {host}:{port}; start it to run this test"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def require_postgres() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)


def require_redis() -> None:
    require_service("Redis", "127.0.0.1", 6379)
