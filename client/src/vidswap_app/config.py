"""The API URL the app calls: ``VIDSWAP_APP_API_URL``, else the URL set at build time.

An app made by ``flet build`` gets no environment variables on a phone, so the URL is
written into ``app_config.json`` next to this module before the build::

    python -m vidswap_app.config --api-url https://api.example.com

``flet build`` packages the whole ``src`` folder, this file included. Where an
environment exists (the web app that ``vidswap serve`` and ``vidswap app`` serve, the
``vidswap-app`` desktop command), ``VIDSWAP_APP_API_URL`` overrides the file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

API_URL_VARIABLE = "VIDSWAP_APP_API_URL"
DEFAULT_API_URL = "http://127.0.0.1:8000"
CONFIG_FILE = Path(__file__).with_name("app_config.json")


class InvalidApiUrl(ValueError):
    """An API URL that does not start with http:// or https://."""


def api_url(environ: Mapping[str, str] | None = None, config_file: Path = CONFIG_FILE) -> str:
    """Return the API URL without a trailing slash: the environment variable, else the
    build's ``app_config.json``, else ``DEFAULT_API_URL``."""
    variables = os.environ if environ is None else environ
    url = variables.get(API_URL_VARIABLE) or built_api_url(config_file) or DEFAULT_API_URL
    return url.rstrip("/")


def built_api_url(config_file: Path = CONFIG_FILE) -> str | None:
    """Return the ``api_url`` in ``config_file``, or None when the file is missing or invalid."""
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("config.unreadable", path=str(config_file), error=str(exc))
        return None
    url = data.get("api_url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        log.warning("config.invalid_api_url", path=str(config_file), api_url=url)
        return None
    return url


def write_config(url: str, config_file: Path = CONFIG_FILE) -> Path:
    """Write ``url`` as the build's API URL; raise ``InvalidApiUrl`` unless it is http(s)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidApiUrl(
            f"invalid API URL {url!r}: use an http:// or https:// URL such as {DEFAULT_API_URL}"
        )
    config_file.write_text(json.dumps({"api_url": url}, indent=2) + "\n", encoding="utf-8")
    return config_file


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or, with ``--clear``, delete) the API URL that ``flet build`` packages."""
    parser = argparse.ArgumentParser(
        prog="python -m vidswap_app.config",
        description="Set the API URL that apps made by `flet build` call.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--api-url", help="The server's address, such as https://api.example.com.")
    group.add_argument(
        "--clear", action="store_true", help=f"Remove the setting (back to {DEFAULT_API_URL})."
    )
    args = parser.parse_args(argv)
    if args.clear:
        CONFIG_FILE.unlink(missing_ok=True)
        sys.stdout.write(f"Removed {CONFIG_FILE}; builds call {DEFAULT_API_URL}.\n")
        return 0
    try:
        path = write_config(args.api_url, CONFIG_FILE)
    except InvalidApiUrl as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    sys.stdout.write(f"Wrote {path}; the next `flet build` calls {built_api_url(path)}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
