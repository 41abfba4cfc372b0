"""Command tests that run on SQLite and PostgreSQL use the ``db_*`` fixtures."""

from tests.databases import db_runtime, db_settings  # noqa: F401
