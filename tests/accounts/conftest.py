"""Fixtures of the accounts tests."""

from tests.databases import db_client, db_runtime, db_settings  # noqa: F401
