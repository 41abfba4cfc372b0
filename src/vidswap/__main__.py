"""Run the command line as ``python -m vidswap``."""

from vidswap.entry import main

main()
