"""The app's API URL: the environment variable, else the URL written for `flet build`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vidswap_app import config
from vidswap_app.config import (
    API_URL_VARIABLE,
    DEFAULT_API_URL,
    InvalidApiUrl,
    api_url,
    write_config,
)


def test_default_without_file(tmp_path: Path) -> None:
    assert api_url({}, tmp_path / "app_config.json") == DEFAULT_API_URL


def test_written_url_used(tmp_path: Path) -> None:
    path = write_config("https://api.example.com/", tmp_path / "app_config.json")

    assert json.loads(path.read_text(encoding="utf-8")) == {"api_url": "https://api.example.com"}
    assert api_url({}, path) == "https://api.example.com"


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write_config("https://api.example.com", tmp_path / "app_config.json")

    assert api_url({API_URL_VARIABLE: "http://127.0.0.1:9000/"}, path) == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "content", ["{not json", '{"api_url": "ftp://files.example.com"}', '["https://x"]']
)
def test_invalid_file_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / "app_config.json"
    path.write_text(content, encoding="utf-8")

    assert api_url({}, path) == DEFAULT_API_URL


def test_write_rejects_other_schemes(tmp_path: Path) -> None:
    path = tmp_path / "app_config.json"

    with pytest.raises(InvalidApiUrl) as raised:
        write_config("api.example.com", path)

    assert "'api.example.com'" in str(raised.value)
    assert not path.exists()


def test_command_writes_and_clears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app_config.json"
    monkeypatch.setattr(config, "CONFIG_FILE", path)

    written = config.main(["--api-url", "https://api.example.com"])
    stored = config.built_api_url(path)
    rejected = config.main(["--api-url", "example.com"])
    cleared = config.main(["--clear"])

    assert written == 0
    assert stored == "https://api.example.com"
    assert rejected == 2
    assert "invalid API URL 'example.com'" in capsys.readouterr().err
    assert cleared == 0
    assert not path.exists()
