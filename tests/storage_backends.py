"""An in-process app on each storage backend in turn: local files, then SeaweedFS (S3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tests.media.conftest import app_client, settings_with
from vidswap.runtime import Runtime


@asynccontextmanager
async def backend_client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """Yield a client and its started runtime on the backend ``request.param`` names:
    ``local`` or ``s3`` (the session's SeaweedFS server, skipped without one)."""
    if request.param == "local":
        settings = settings_with(tmp_path)
    else:
        seaweedfs = request.getfixturevalue("seaweedfs")
        for name, value in seaweedfs.credentials_env().items():
            monkeypatch.setenv(name, value)
        settings = settings_with(tmp_path, **seaweedfs.settings_values())
    async with app_client(settings) as (client, runtime):
        await runtime.start()
        try:
            yield client, runtime
        finally:
            await runtime.stop()
