"""Entry point of the ``vidswap`` command and of ``python -m vidswap``.

Importing vidswap.cli takes about a second, because it loads the service
commands (SQLAlchemy, FastAPI, gRPC). This module imports only the standard
library and vidswap.kit.i18n first, so that Ctrl-C during that import exits
with status 130 and one line, as it does later, instead of a traceback.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from vidswap.kit.i18n import localize, system_locale

EXIT_INTERRUPTED = 130
INTERRUPTED_MESSAGES = {
    "en": "Interrupted; no output was written.",
    "zh-CN": "已中断，未写入任何输出。",
}


def main() -> None:
    """Import and run the command line, exiting with 130 when Ctrl-C comes during the import."""
    # Ctrl-C during the import only sets a flag: raised inside a library's import,
    # the interrupt can arrive wrapped in another error or be printed and ignored.
    interrupted = False

    def note_interrupt(_signum: int, _frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True

    previous = signal.signal(signal.SIGINT, note_interrupt)
    try:
        from vidswap.cli import main as cli_main
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        report_interrupted()
        sys.exit(EXIT_INTERRUPTED)
    cli_main(prog_name="vidswap")


def report_interrupted() -> None:
    """Write the interrupted message to stderr in the process's locale."""
    sys.stderr.write(localize(INTERRUPTED_MESSAGES, system_locale(), {}) + "\n")
    sys.stderr.flush()
