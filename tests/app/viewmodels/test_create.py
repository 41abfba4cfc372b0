"""Create view model: consent gating, the Energy estimate, double taps, session expiry."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from vidswap_app.api import ApiClient
from vidswap_app.i18n import I18n
from vidswap_app.models import Upload
from vidswap_app.tokens import MemoryTokenStore, Tokens
from vidswap_app.uploads import FileSource
from vidswap_app.viewmodels import AppContext, CreateViewModel, SignInViewModel
from vidswap_app.viewmodels.create import energy_estimate, kind_of
from vidswap_app.views.create import CreateScreen

from tests.app.conftest import filled_create_form, sign_in_context
from tests.app.views.test_screens import identifiers, picking
from tests.jobs.uploads import FACE
from tests.shared_media import shared_face
from vidswap.accounts.tokens import issue_access_token
from vidswap.jobs.models import Task as TaskRow
from vidswap.runtime import Runtime


def upload_of(kind: str, seconds: float | None) -> Upload:
    return Upload("u1", "/api/v1/uploads/u1/file", kind, "ready", 10, "x", seconds)


@pytest.mark.parametrize(
    ("kind", "seconds", "expected"),
    [("video", 1.05, 2), ("video", 3.0, 3), ("video", 0.2, 1), ("image", None, 1)],
)
def test_energy_estimate(kind: str, seconds: float | None, expected: int) -> None:
    assert energy_estimate(upload_of(kind, seconds)) == expected


def test_kind_from_extension() -> None:
    assert kind_of("Clip.MP4") == "video"
    assert kind_of("holiday.webm") == "video"
    assert kind_of("portrait.jpg") == "image"
    assert kind_of("scan.heic") == "image"


async def test_consent_gates_submit(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    form.set_consent(False)

    task = await form.submit()
    tasks, _ = await context.api.list_tasks()

    assert task is None
    assert form.missing == "create.need_consent"
    assert form.can_submit is False
    assert form.error == "Tick the consent statement to continue."
    assert tasks == []


async def test_submit_hint_names_blocker(context: AppContext) -> None:
    await sign_in_context(context)
    empty = CreateViewModel(context)
    form = await filled_create_form(context)

    assert empty.submit_hint == "Choose a face photo first."
    assert form.submit_hint is None
    form.set_consent(False)
    assert form.submit_hint == "Tick the consent statement to continue."
    form.set_consent(True)
    created = await form.submit()
    assert created is not None
    assert form.notice == "Task started. Follow its progress under Tasks."
    assert form.submit_hint is None


async def test_missing_face_named_first(context: AppContext) -> None:
    await sign_in_context(context)
    form = CreateViewModel(context)
    form.set_consent(True)

    task = await form.submit()

    assert task is None
    assert form.error == "Choose a face photo first."


async def test_uploads_report_progress_and_cost(context: AppContext) -> None:
    profile = await sign_in_context(context)
    form = await filled_create_form(context)

    assert form.face is not None
    assert form.face.progress == 1.0
    assert form.face.upload is not None
    assert form.target is not None
    assert form.target.kind == "video"
    assert form.energy_cost == 2
    assert form.cost_text == f"Costs 2 Energy · balance {profile.energy_balance}"
    assert form.upload_text("face") is None
    assert form.can_submit is True


async def test_photo_target_costs_one(context: AppContext) -> None:
    await sign_in_context(context)
    form = CreateViewModel(context)

    await form.pick("target", FileSource(shared_face(FACE)))

    assert form.target is not None
    assert form.target.kind == "image"
    assert form.energy_cost == 1


async def test_double_tap_creates_one_task(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    announced: list[str] = []
    context.task_created.connect(lambda task: announced.append(task.task_id))

    results = await asyncio.gather(form.submit(), form.submit())
    tasks, _ = await context.api.list_tasks()

    created = [result for result in results if result is not None]
    assert len(created) == 1
    assert [task.task_id for task in tasks] == [created[0].task_id]
    assert announced == [created[0].task_id]
    assert form.notice == "Task started. Follow its progress under Tasks."
    assert form.face is None
    assert form.consent is False


async def test_next_pick_clears_started_notice(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    await form.submit()
    started = form.notice

    await form.pick("face", FileSource(shared_face(FACE)))

    assert started == "Task started. Follow its progress under Tasks."
    assert form.notice is None
    assert form.created is None


async def test_session_expiry_keeps_form(context: AppContext, runtime: Runtime) -> None:
    signin = SignInViewModel(context)
    signin.set_mode("signup")
    signin.email = "expiry@example.com"
    signin.password = "a long enough password"
    profile = await signin.submit()
    assert profile is not None
    form = await filled_create_form(context)
    expired = issue_access_token(profile.id, key=runtime.settings.signing_key, minutes=-1)
    await context.api.store.save(Tokens(expired.token, "revoked", profile.id))
    ended: list[None] = []
    context.session_ended.connect(ended.append)

    lost = await form.submit()

    assert lost is None
    assert ended == [None]
    assert context.session_expired is True
    assert form.error == "Your session has expired. Sign in again to continue."
    assert form.face is not None
    assert form.target is not None
    assert form.consent is True

    signin.set_mode("password")
    signin.account = "expiry@example.com"
    signin.password = "a long enough password"
    await signin.submit()
    task = await form.submit()

    assert context.signed_in is True
    assert task is not None
    assert task.status == "pending"


async def test_reference_mode_needs_the_persons_photo(
    context: AppContext, runtime: Runtime
) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    form.set_faces("reference")

    blocked = await form.submit()
    await form.pick("reference", FileSource(shared_face("biden-official-vp-portrait-2013.jpg")))
    task = await form.submit()

    assert blocked is None
    assert form.reference is None  # cleared with the rest of the form after submitting
    assert task is not None
    async with runtime.sessionmaker() as session:
        stored = await session.get(TaskRow, task.task_id)
    assert stored is not None
    assert stored.options["faces"] == "reference"
    assert stored.options["reference_url"].startswith("/api/v1/uploads/")


async def test_reference_mode_says_what_is_missing(context: AppContext) -> None:
    await sign_in_context(context)
    form = await filled_create_form(context)
    form.set_faces("reference")

    await form.submit()

    assert form.missing == "create.need_reference"
    assert form.error == "Choose a photo of the person to replace, or pick another option."


async def test_reference_card_shows_in_reference_mode(context: AppContext) -> None:
    model = CreateViewModel(context)
    screen = CreateScreen(model, lambda: None, picking())
    hidden = screen.reference.root.visible

    model.set_faces("reference")

    assert hidden is False
    assert screen.reference.root.visible is True
    assert "create-pick-reference" in identifiers(screen.reference.root)
    assert screen.reference.button.content == "Choose their photo"
    assert screen.faces.segments[2].label == "One person"


async def test_animated_webp_target_is_sent_again_as_a_video(
    context: AppContext, tmp_path: Path
) -> None:
    await sign_in_context(context)
    face = Image.open(shared_face(FACE)).convert("RGB").resize((320, 400))
    frames = [face, face.transpose(Image.Transpose.FLIP_LEFT_RIGHT), face]
    animated = tmp_path / "wave.webp"
    frames[0].save(animated, save_all=True, append_images=frames[1:], duration=200, loop=0)
    form = CreateViewModel(context)

    upload = await form.pick("target", FileSource(animated))

    assert upload is not None, form.error
    assert upload.kind == "video"
    assert form.target is not None
    assert form.target.kind == "video"
    assert form.error is None
    assert form.energy_cost == 1


async def test_cost_line_groups_digits(context: AppContext, runtime: Runtime) -> None:
    profile = await sign_in_context(context)
    form = await filled_create_form(context)
    context.set_profile(replace(profile, energy_balance=12500))

    english = form.cost_text
    context.i18n.set_locale("zh-CN")

    assert english == "Costs 2 Energy · balance 12,500"
    assert "12,500" in form.cost_text


# The start of the server's message for a text file sent as a photo.
NOT_AN_IMAGE = "notes.txt is not a supported photo"


def text_file(tmp_path: Path) -> FileSource:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    return FileSource(path)


async def test_rejected_file_leaves_the_card(context: AppContext, tmp_path: Path) -> None:
    await sign_in_context(context)
    form = CreateViewModel(context)

    upload = await form.pick("face", text_file(tmp_path))

    assert upload is None
    assert form.face is None
    assert form.picked_text("face") is None
    assert list(form.file_errors) == ["face"]
    assert form.file_errors["face"].startswith(NOT_AN_IMAGE)
    assert form.error is None
    assert form.needs_retry("face") is False


async def test_rejected_file_keeps_earlier_upload(context: AppContext, tmp_path: Path) -> None:
    await sign_in_context(context)
    form = CreateViewModel(context)
    first = await form.pick("face", FileSource(shared_face(FACE)))

    await form.pick("face", text_file(tmp_path))
    face_after_rejection = form.face
    await form.pick("face", FileSource(shared_face(FACE)))

    assert first is not None
    assert face_after_rejection is not None
    assert face_after_rejection.upload == first
    assert form.file_errors == {}
    assert form.face is not None
    assert form.face.upload is not None


async def test_rejected_file_error_in_chinese(context: AppContext, tmp_path: Path) -> None:
    await sign_in_context(context)
    context.i18n.set_locale("zh-CN")
    context.api.locale = "zh-CN"
    form = CreateViewModel(context)

    await form.pick("target", text_file(tmp_path))

    assert form.target is None
    assert form.file_errors["target"].startswith("notes.txt 不是支持的照片或视频")
    assert "MP4" in form.file_errors["target"]


NO_FACE = "no-human-face-cat-cc0.png"


async def test_faceless_face_photo_leaves_card(context: AppContext) -> None:
    await sign_in_context(context)
    form = CreateViewModel(context)
    first = await form.pick("face", FileSource(shared_face(FACE)))

    upload = await form.pick("face", FileSource(shared_face(NO_FACE)))

    assert upload is None
    assert form.face is not None
    assert form.face.upload == first
    assert form.file_errors["face"] == (
        f"No face was found in {NO_FACE}. Choose a clear photo of one face that looks at "
        "the camera and is at least 40 pixels wide."
    )


async def test_faceless_photo_kept_as_target(context: AppContext) -> None:
    await sign_in_context(context)
    context.i18n.set_locale("zh-CN")
    context.api.locale = "zh-CN"
    form = CreateViewModel(context)

    reference = await form.pick("reference", FileSource(shared_face(NO_FACE)))
    target = await form.pick("target", FileSource(shared_face(NO_FACE)))

    assert reference is None
    assert form.reference is None
    assert form.file_errors["reference"].startswith(f"在 {NO_FACE} 中未检测到人脸")
    assert target is not None
    assert target.faces == 0
    assert form.target is not None
    assert "target" not in form.file_errors


async def test_offline_upload_offers_retry(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = MemoryTokenStore(Tokens("access", "refresh", "user"))
    async with ApiClient(f"http://127.0.0.1:{port}", store, locale="en") as api:
        form = CreateViewModel(AppContext(api, I18n("en")))

        upload = await form.pick("face", FileSource(shared_face(FACE)))

    assert upload is None
    assert form.face is not None
    assert form.face.source.filename == FACE
    assert form.file_errors == {}
    assert form.offline is True
    assert form.error is not None and form.error.startswith("Cannot reach the server")
    assert form.needs_retry("face") is True


async def test_screen_shows_rejection_in_card(context: AppContext, tmp_path: Path) -> None:
    await sign_in_context(context)
    model = CreateViewModel(context)
    screen = CreateScreen(model, lambda: None, picking())

    await model.pick("face", text_file(tmp_path))
    screen.refresh()

    assert screen.face.error.visible is True
    assert screen.face.error.value == model.file_errors["face"]
    assert screen.face.error.value.startswith(NOT_AN_IMAGE)
    assert screen.face.name.value == ""
    assert screen.face.progress.visible is False
    assert screen.error.visible is False
    assert screen.retry.visible is False
    assert screen.target.error.visible is False
