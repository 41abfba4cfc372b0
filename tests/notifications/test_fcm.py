"""The FCM client against the stand-in: OAuth token, delivery, dead tokens, retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.notifications import fcm_standin
from tests.notifications.fcm_standin import FcmStandIn
from vidswap.kit.settings import SettingsError
from vidswap.notifications import fcm
from vidswap.notifications.fcm import FcmSender, PushMessage

MESSAGE = PushMessage(title="Done", body="Open the app.", data={"task_id": "t1"})


@pytest.fixture(scope="module")
def served() -> Iterator[FcmStandIn]:
    with fcm_standin.running() as standin:
        yield standin


@pytest.fixture
def standin(served: FcmStandIn) -> FcmStandIn:
    served.reset()
    return served


@pytest.fixture
def sender(standin: FcmStandIn, tmp_path: Path) -> FcmSender:
    path = fcm_standin.write_service_account(tmp_path, standin.address)
    settings = make_settings(
        tmp_path / "data",
        fcm_service_account_file=path,
        fcm_base_url=f"http://{standin.address}",
    )
    built = fcm.from_settings(settings)
    assert built is not None
    return built


async def test_delivers_with_one_oauth_token(sender: FcmSender, standin: FcmStandIn) -> None:
    results = [await sender.send(f"device-{n}-token-abcdefghijkl", MESSAGE) for n in range(3)]

    assert [result.delivered for result in results] == [True, True, True]
    assert standin.token_requests == 1
    assert [message["token"] for message in standin.delivered] == [
        f"device-{n}-token-abcdefghijkl" for n in range(3)
    ]
    assert standin.delivered[0]["notification"] == {"title": "Done", "body": "Open the app."}
    assert standin.delivered[0]["data"] == {"task_id": "t1"}


@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("dead-token-0123456789", "UNREGISTERED"),
        ("moved-token-0123456789", "SENDER_ID_MISMATCH"),
        ("bad-token-0123456789", "INVALID_ARGUMENT"),
    ],
)
async def test_tokens_that_never_work_are_dead(
    sender: FcmSender, standin: FcmStandIn, token: str, error: str
) -> None:
    result = await sender.send(token, MESSAGE)

    assert (result.delivered, result.dead, result.error) == (False, True, error)
    assert standin.delivered == []


async def test_payload_mistake_keeps_the_token(sender: FcmSender, standin: FcmStandIn) -> None:
    broken = PushMessage(title="", body="no title", data={})

    result = await sender.send("device-token-abcdefghijkl", broken)

    assert (result.delivered, result.dead, result.error) == (False, False, "INVALID_ARGUMENT")


async def test_unavailable_is_retried(sender: FcmSender, standin: FcmStandIn) -> None:
    result = await sender.send("busy-token-0123456789", MESSAGE)

    assert result.delivered is True
    assert standin.busy_seen == {"busy-token-0123456789"}
    assert len(standin.delivered) == 1


async def test_wrong_key_is_not_delivered(standin: FcmStandIn, tmp_path: Path) -> None:
    info = fcm_standin.service_account(standin.address)
    info["client_email"] = "someone-else@example.iam.gserviceaccount.com"
    sender = FcmSender(info, base_url=f"http://{standin.address}", timeout=5)

    result = await sender.send("device-token-abcdefghijkl", MESSAGE)

    assert (result.delivered, result.dead, result.error) == (False, False, "credentials_refused")
    assert standin.delivered == []
    assert standin.token_requests == 0


def test_unreadable_service_account_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({"type": "service_account"}), encoding="utf-8")

    with pytest.raises(SettingsError) as caught:
        fcm.from_settings(make_settings(tmp_path / "data", fcm_service_account_file=path))

    assert caught.value.params["name"] == "VIDSWAP_FCM_SERVICE_ACCOUNT_FILE"
    assert str(path) in caught.value.params["detail"]


def test_off_without_a_service_account(tmp_path: Path) -> None:
    assert fcm.from_settings(make_settings(tmp_path)) is None
