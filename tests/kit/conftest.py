"""Fixtures of the kit tests."""

from tests.databases import db_runtime, db_settings  # noqa: F401
