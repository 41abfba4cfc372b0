"""``python -m vidswap.worker [CONCURRENCY]``: a worker configured from ``VIDSWAP_*``."""

from __future__ import annotations

import sys

from vidswap.kit.logging import configure_logging
from vidswap.kit.settings import load_settings
from vidswap.worker.main import run_worker


def main() -> None:
    settings = load_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    concurrency = int(sys.argv[1]) if len(sys.argv) > 1 else settings.worker_processes
    run_worker(settings, concurrency=concurrency)


if __name__ == "__main__":
    main()
