"""The documentation pages load every script from this server, not from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_uses_local_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources
    for source in sources:
        assert source.startswith("/"), f"{page} loads {source} from another host"
        asset = await client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 1000, source
