"""LinkSigner: signing, rounding of the expiry, and every reason to reject a link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from vidswap.media.errors import InvalidLinkError, LinkExpiredError
from vidswap.media.links import EXPIRY_STEP_SECONDS, LinkQuery, LinkSigner

PATH = "/api/v1/tasks/abc/result"
NOW = datetime(2026, 12, 5, 8, 0, 10, tzinfo=UTC)


def query_of(link: str) -> LinkQuery:
    values = {name: items[0] for name, items in parse_qs(urlsplit(link).query).items()}
    return LinkQuery(values.get("user"), values.get("expires"), values.get("signature"))


def test_sign_verify_round_trip() -> None:
    signer = LinkSigner(key=b"k" * 32, lifetime_seconds=900)

    link = signer.sign(PATH, "user1", now=NOW)

    assert urlsplit(link).path == PATH
    assert signer.verify(PATH, query_of(link), now=NOW) == "user1"
    assert signer.verify(PATH, query_of(link), now=NOW + timedelta(seconds=899)) == "user1"


def test_expiry_rounded_up_to_step() -> None:
    signer = LinkSigner(key=b"k" * 32, lifetime_seconds=900)

    first = signer.sign(PATH, "user1", now=NOW)
    same_step = signer.sign(PATH, "user1", now=NOW + timedelta(seconds=60))
    expires = int(query_of(first).expires or 0)

    assert first == same_step
    assert expires % EXPIRY_STEP_SECONDS == 0
    assert NOW.timestamp() + 900 <= expires < NOW.timestamp() + 900 + EXPIRY_STEP_SECONDS


def test_version_is_appended() -> None:
    signer = LinkSigner(key=b"k" * 32, lifetime_seconds=900)

    link = signer.sign(PATH, "user1", now=NOW, version="v7")

    assert parse_qs(urlsplit(link).query)["v"] == ["v7"]
    assert signer.verify(PATH, query_of(link), now=NOW) == "user1"


def test_expired_link_rejected() -> None:
    signer = LinkSigner(key=b"k" * 32, lifetime_seconds=900)
    link = query_of(signer.sign(PATH, "user1", now=NOW))
    expires = int(link.expires or 0)

    with pytest.raises(LinkExpiredError) as raised:
        signer.verify(PATH, link, now=datetime.fromtimestamp(expires, UTC))

    assert PATH in raised.value.message("en")
    assert datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M") in raised.value.message()


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("other user", lambda q: LinkQuery("user2", q.expires, q.signature)),
        ("later expiry", lambda q: LinkQuery(q.user, str(int(q.expires) + 300), q.signature)),
        ("non-numeric expiry", lambda q: LinkQuery(q.user, "soon", q.signature)),
        ("other signature", lambda q: LinkQuery(q.user, q.expires, "A" * 43)),
        ("no signature", lambda q: LinkQuery(q.user, q.expires, None)),
        ("no user", lambda q: LinkQuery(None, q.expires, q.signature)),
    ],
)
def test_changed_link_rejected(case: str, change) -> None:  # noqa: ANN001 - a lambda
    signer = LinkSigner(key=b"k" * 32, lifetime_seconds=900)
    link = query_of(signer.sign(PATH, "user1", now=NOW))

    with pytest.raises(InvalidLinkError) as raised:
        signer.verify(PATH, change(link), now=NOW)

    assert raised.value.code == "link_invalid", case
    assert raised.value.status_code == 403, case


def test_other_path_or_key_rejected() -> None:
    signer = LinkSigner(key=b"k" * 32, lifetime_seconds=900)
    link = query_of(signer.sign(PATH, "user1", now=NOW))

    with pytest.raises(InvalidLinkError):
        signer.verify("/api/v1/tasks/abc/thumbnail", link, now=NOW)
    with pytest.raises(InvalidLinkError):
        LinkSigner(key=b"x" * 32, lifetime_seconds=900).verify(PATH, link, now=NOW)
