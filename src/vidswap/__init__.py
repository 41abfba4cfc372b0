"""vidswap: face-swap video service and engine."""

__version__ = "0.1.0"
