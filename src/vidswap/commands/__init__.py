"""Service commands of ``vidswap``: serve, api, worker and db."""
