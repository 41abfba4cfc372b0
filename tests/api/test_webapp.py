"""The web client mounted at /app: offline assets, the CJK font and the page's policy."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from vidswap.api.app import create_app
from vidswap.api.webapp import (
    SYSTEM_CJK_FONT,
    WebAppSettingError,
    content_security_policy,
    load_entry,
    local_api_url,
    object_store_origin,
    resolve_font,
)
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime

flet_web = pytest.importorskip(
    "flet_web", reason="Flet is missing: install the client with pip install -e ./client"
)

PLACEHOLDER_ENTRY = "tests.app.placeholder_app:main"
CLIENT_VARIABLES = ("VIDSWAP_APP_API_URL", "FLET_UPLOAD_DIR")


@pytest.fixture(autouse=True)
def client_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start without the variables ``create_app`` exports, and remove them afterwards."""
    for name in CLIENT_VARIABLES:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
async def web_client(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The vidswap app in process, with the stand-in client mounted at /app."""
    monkeypatch.setenv("VIDSWAP_APP_ENTRY", PLACEHOLDER_ENTRY)
    app = create_app(settings, runtime)
    await runtime.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as value:
        yield value
    await runtime.stop()


async def test_index_served_without_cdn(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/app/")
    assert response.status_code == 200
    page = response.text
    assert '<base href="/app/">' in page
    assert "flet.noCdn=true;" in page
    assert 'flet.canvasKitBaseUrl="/app/canvaskit/";' in page
    assert 'flet.webSocketEndpoint="/app/ws";' in page
    assert "<title>vidswap</title>" in page


async def test_engine_served_from_flet_web(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/app/canvaskit/skwasm.wasm")
    assert response.status_code == 200
    packaged = Path(flet_web.get_package_web_dir()) / "canvaskit" / "skwasm.wasm"
    assert response.content == packaged.read_bytes()


async def test_policy_keeps_page_on_origin(web_client: httpx.AsyncClient) -> None:
    for path in ("/app/", "/app/flutter_bootstrap.js", "/app/assets/FontManifest.json"):
        response = await web_client.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy, path
        assert "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:;" in policy, path
        assert "connect-src 'self';" in policy, path
        assert "https:" not in policy, path


@pytest.mark.skipif(not SYSTEM_CJK_FONT.is_file(), reason="fonts-wqy-microhei is not installed")
async def test_default_family_is_cjk_font(web_client: httpx.AsyncClient) -> None:
    manifest = (await web_client.get("/app/assets/FontManifest.json")).json()
    families = {entry["family"]: entry["fonts"] for entry in manifest}
    assert families["Roboto"] == [{"asset": "fonts/vidswap-cjk.ttc"}]
    assert "MaterialIcons" in families

    font = await web_client.get("/app/assets/fonts/vidswap-cjk.ttc")
    assert font.status_code == 200
    assert font.headers["content-type"] == "font/collection"
    assert font.content == SYSTEM_CJK_FONT.read_bytes()


async def test_operator_font_served(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    font_file = tmp_path / "brand.otf"
    font_file.write_bytes(b"OTTO stand-in font bytes")
    monkeypatch.setenv("VIDSWAP_APP_ENTRY", PLACEHOLDER_ENTRY)
    monkeypatch.setenv("VIDSWAP_APP_FONT", str(font_file))
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        manifest = (await client.get("/app/assets/FontManifest.json")).json()
        font = await client.get("/app/assets/fonts/vidswap-cjk.otf")

    assert {"family": "Roboto", "fonts": [{"asset": "fonts/vidswap-cjk.otf"}]} in manifest
    assert font.headers["content-type"] == "font/otf"
    assert font.content == b"OTTO stand-in font bytes"


async def test_api_works_without_client(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDSWAP_APP_ENTRY", "vidswap_missing_client.main:main")
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/app/")).status_code == 404


async def test_app_can_be_turned_off(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDSWAP_APP_ENTRY", PLACEHOLDER_ENTRY)
    monkeypatch.setenv("VIDSWAP_APP_ENABLED", "false")
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.get("/app/")).status_code == 404


def test_client_environment_exported(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDSWAP_APP_ENTRY", PLACEHOLDER_ENTRY)
    local = settings.model_copy(update={"port": 8123})
    create_app(local)

    assert os.environ["VIDSWAP_APP_API_URL"] == "http://127.0.0.1:8123"
    assert os.environ["FLET_UPLOAD_DIR"] == str(settings.data_dir / "app-uploads")
    assert (settings.data_dir / "app-uploads").is_dir()

    # A value exported for an earlier app is not taken for the operator's setting.
    create_app(settings.model_copy(update={"port": 8124}))
    assert os.environ["VIDSWAP_APP_API_URL"] == "http://127.0.0.1:8124"


def test_load_entry_cases() -> None:
    assert load_entry("vidswap_missing_client.main:main") is None
    assert callable(load_entry(PLACEHOLDER_ENTRY))
    with pytest.raises(WebAppSettingError) as no_colon:
        load_entry("tests.app.placeholder_app")
    assert "module:function" in no_colon.value.message("en")
    with pytest.raises(WebAppSettingError) as no_function:
        load_entry("tests.app.placeholder_app:start")
    assert "tests.app.placeholder_app has no start()" in no_function.value.message("en")


def test_resolve_font_rejects_bad_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.ttf"
    with pytest.raises(WebAppSettingError) as error:
        resolve_font(missing)
    assert str(missing) in error.value.message("en")
    assert "VIDSWAP_APP_FONT" in error.value.message("zh-CN")

    not_a_font = tmp_path / "font.woff2"
    not_a_font.write_bytes(b"wOF2")
    with pytest.raises(WebAppSettingError):
        resolve_font(not_a_font)


def test_policy_names_api_origin() -> None:
    policy = content_security_policy(["http://127.0.0.1:8000"])
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["connect-src"] == "'self' http://127.0.0.1:8000"
    assert directives["img-src"] == "'self' data: blob: http://127.0.0.1:8000"
    assert directives["media-src"] == "'self' data: blob: http://127.0.0.1:8000"
    assert directives["script-src"] == "'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
    ],
)
def test_local_api_url(host: str, expected: str) -> None:
    assert local_api_url(host, 8000) == expected


def test_manifest_matches_flet_web() -> None:
    """flet-web's own manifest entries stay in ours, so its icons and math fonts load."""
    packaged = json.loads(
        (Path(flet_web.get_package_web_dir()) / "assets" / "FontManifest.json").read_text()
    )
    from vidswap.api.webapp import font_manifest

    assert font_manifest(None)[:-1] == packaged
    assert font_manifest(None)[-1] == {
        "family": "Roboto",
        "fonts": [{"asset": "fonts/roboto.woff2"}],
    }


async def test_upload_skips_json_limit(
    tmp_path: Path, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file picker's uploads go to /app/upload, past the JSON body limit."""
    from flet_web.uploads import build_upload_url

    from tests.conftest import make_settings
    from vidswap.api.webapp import upload_secret

    monkeypatch.setenv("VIDSWAP_APP_ENTRY", PLACEHOLDER_ENTRY)
    small = make_settings(runtime.settings.data_dir, max_json_bytes=1024)
    app = create_app(small, runtime)
    url = build_upload_url("/app/upload", "face.jpg", 60, upload_secret(small.signing_key))
    body = b"\xff\xd8" + b"x" * 4096

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        accepted = await client.put(url, content=body)
        forged = await client.put(url.replace("s=", "s=0"), content=body)
        too_large_json = await client.post("/api/v1/auth/sms-codes", content=b"1" * 2048)

    assert accepted.status_code == 200, accepted.text
    assert (small.data_dir / "app-uploads" / "face.jpg").read_bytes() == body
    assert forged.status_code == 403
    assert too_large_json.status_code == 413


def test_prune_uploads_keeps_recent(tmp_path: Path) -> None:
    from vidswap.api.webapp import UPLOAD_MAX_AGE_SECONDS, prune_uploads

    old = tmp_path / "old.mp4"
    recent = tmp_path / "nested" / "recent.jpg"
    recent.parent.mkdir()
    old.write_bytes(b"old")
    recent.write_bytes(b"recent")
    stale = time.time() - UPLOAD_MAX_AGE_SECONDS - 60
    os.utime(old, (stale, stale))

    assert prune_uploads(tmp_path) == 1
    assert not old.exists()
    assert recent.read_bytes() == b"recent"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"storage": "local"}, None),
        (
            {"storage": "s3", "s3_bucket": "media", "s3_endpoint_url": "http://127.0.0.1:8333"},
            "http://127.0.0.1:8333",
        ),
        (
            {
                "storage": "s3",
                "s3_bucket": "media",
                "s3_endpoint_url": "https://oss-cn-hangzhou.aliyuncs.com",
                "s3_addressing": "virtual",
            },
            "https://media.oss-cn-hangzhou.aliyuncs.com",
        ),
        (
            {
                "storage": "s3",
                "s3_bucket": "media",
                "s3_region": "eu-west-1",
                "s3_addressing": "virtual",
            },
            "https://media.s3.eu-west-1.amazonaws.com",
        ),
    ],
)
def test_object_store_origin(tmp_path: Path, values: dict[str, str], expected: str | None) -> None:
    from tests.conftest import make_settings

    assert object_store_origin(make_settings(tmp_path, **values)) == expected
