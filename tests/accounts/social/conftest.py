"""Fixtures of the third-party sign-in tests: the provider stand-in and settings
that point Apple, Google and WeChat at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.accounts.social.standin import SocialStandIn, running, settings_for
from vidswap.kit.settings import Settings


@pytest.fixture(scope="session")
def served_standin() -> Iterator[tuple[SocialStandIn, str]]:
    with running() as value:
        yield value


@pytest.fixture
def standin(served_standin: tuple[SocialStandIn, str]) -> SocialStandIn:
    """The stand-in, reset: a new person signs in next and nothing is down."""
    value = served_standin[0]
    value.reset()
    return value


@pytest.fixture
def db_settings(db_settings: Settings, served_standin: tuple[SocialStandIn, str]) -> Settings:
    """The database settings with every sign-in provider pointed at the stand-in."""
    values = {**db_settings.model_dump(), **settings_for(served_standin[1])}
    return Settings.model_validate(values)
