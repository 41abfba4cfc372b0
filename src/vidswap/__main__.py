"""Run the command line as ``python -m vidswap``."""

from vidswap.cli import main

main(prog_name="vidswap")
