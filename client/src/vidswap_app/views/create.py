"""Create screen: face photo, target video or photo, options, consent, cost and submit."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from vidswap_app.viewmodels.create import CreateViewModel, FaceChoice, PickedFile, Slot
from vidswap_app.views.base import Screen
from vidswap_app.views.common import RADIUS, card, error_text, heading, muted, screen, tagged
from vidswap_app.views.files import FilePicking, PickKind

# Photos up to this size are shown as a preview. The preview is sent over the page's
# connection, so larger ones show an icon instead.
PREVIEW_MAX_BYTES = 6 * 1024 * 1024


class PickCard:
    """One picked file: its preview, name, pick button and upload progress."""

    def __init__(self, identifier: str, on_pick: Callable[..., object]) -> None:
        self.title = ft.Text(weight=ft.FontWeight.W_600)
        self.hint = muted("")
        self.preview = ft.Container(
            height=160,
            border_radius=RADIUS,
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            alignment=ft.Alignment.CENTER,
        )
        self.name = muted("", size=13)
        self.error = error_text(None)
        self.progress = ft.ProgressBar(value=0, visible=False, border_radius=4)
        self.progress_text = muted("", size=12)
        self.button = ft.OutlinedButton(icon=ft.Icons.ADD_PHOTO_ALTERNATE, on_click=on_pick)
        self.root = ft.Container(
            card(
                self.title,
                self.hint,
                self.preview,
                self.name,
                self.error,
                self.progress,
                self.progress_text,
                tagged(identifier, self.button),
            ),
            col={"xs": 12, "md": 6},
        )

    def show(
        self,
        picked: PickedFile | None,
        labels: tuple[str, str, str, str | None],
        error: str | None = None,
    ) -> None:
        """Show ``picked`` with its labels, and ``error`` when the server rejected a file."""
        title, hint, button, progress_text = labels
        self.title.value, self.hint.value, self.button.content = title, hint, button
        self.error.value, self.error.visible = error or "", bool(error)
        self.progress.visible = picked is not None and picked.upload is None
        self.progress.value = picked.progress if picked else 0
        self.progress_text.value = progress_text or ""
        self.progress_text.visible = bool(progress_text)
        self._show_preview(picked)

    def show_name(self, text: str | None) -> None:
        """Show the picked file's name and size, and hide the line while none is picked,
        so an empty card has no gap between its preview and its button."""
        self.name.value, self.name.visible = text or "", bool(text)

    def _show_preview(self, picked: PickedFile | None) -> None:
        if picked is None:
            self.preview.content = ft.Icon(ft.Icons.ADD, size=40, color=ft.Colors.PRIMARY)
            return
        source = picked.source
        if picked.kind == "image" and source.size <= PREVIEW_MAX_BYTES:
            if not isinstance(self.preview.content, ft.Image):
                self.preview.content = ft.Image(
                    src=source.read(0, source.size), fit=ft.BoxFit.COVER, border_radius=RADIUS
                )
            return
        icon = ft.Icons.MOVIE if picked.kind == "video" else ft.Icons.IMAGE
        self.preview.content = ft.Icon(icon, size=48, color=ft.Colors.PRIMARY)


class CreateScreen(Screen):
    model: CreateViewModel

    def __init__(
        self, model: CreateViewModel, update: Callable[[], None], files: FilePicking
    ) -> None:
        super().__init__(model, update)
        self.files = files
        self.title = heading("")
        self.face = PickCard("create-pick-face", self._picker("face", "image"))
        self.target = PickCard("create-pick-target", self._picker("target", "media"))
        self.reference = PickCard("create-pick-reference", self._picker("reference", "image"))

        self.faces_label = ft.Text(weight=ft.FontWeight.W_600)
        self.faces = ft.SegmentedButton(
            segments=[ft.Segment("largest"), ft.Segment("all"), ft.Segment("reference")],
            selected=[model.faces],
            show_selected_icon=False,
            on_change=self._set_faces,
        )
        self.consent = ft.Checkbox(value=False, on_change=self._set_consent)
        # The statement is long, so it wraps in its own Text beside an unlabelled checkbox.
        self.consent_text = ft.Text()

        self.cost = ft.Text(weight=ft.FontWeight.W_600, color=ft.Colors.PRIMARY)
        self.error = error_text(None)
        self.notice = muted("")
        self.retry = ft.TextButton(on_click=self._retry, visible=False)
        self.submit = ft.FilledButton(icon=ft.Icons.AUTO_AWESOME, height=52, on_click=self._submit)
        # A disabled button ignores taps, so this line shows what enables it.
        self.submit_hint = ft.Text(
            size=13, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.RIGHT
        )

        self.root = screen(
            self.title,
            ft.ResponsiveRow([self.face.root, self.target.root], spacing=16, run_spacing=16),
            card(
                self.faces_label,
                tagged("create-faces", self.faces),
                self.reference.root,
                ft.Row(
                    [
                        tagged("create-consent", self.consent),
                        # The checkbox is 40 px high and a line of text about 20 px, so the
                        # text moves down by half the difference to centre its first line.
                        ft.Container(
                            self.consent_text, padding=ft.Padding.only(top=10), expand=True
                        ),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.START,
                ),
                tagged("create-cost", self.cost),
            ),
            self.error,
            self.retry,
            self.notice,
            ft.Row(
                [
                    ft.Container(self.submit_hint, expand=True),
                    tagged("create-submit", self.submit),
                ],
                alignment=ft.MainAxisAlignment.END,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
        )
        self.refresh()

    def _picker(self, slot: Slot, kind: PickKind) -> Callable[..., object]:
        async def pick(_: ft.Event[ft.OutlinedButton]) -> None:
            source = await self.files.pick(kind)
            if source is not None:
                await self.model.pick(slot, source)

        return pick

    def refresh(self) -> None:
        model, t = self.model, self.t
        self.title.value = t("create.title")
        self.face.show(
            model.face,
            (
                t("create.face_label"),
                t("create.face_hint"),
                t("create.change") if model.face else t("create.pick_face"),
                model.upload_text("face"),
            ),
            model.file_errors.get("face"),
        )
        self.face.show_name(model.picked_text("face"))
        self.target.show(
            model.target,
            (
                t("create.target_label"),
                t("create.target_hint"),
                t("create.change") if model.target else t("create.pick_target"),
                model.upload_text("target"),
            ),
            model.file_errors.get("target"),
        )
        self.target.show_name(model.picked_text("target"))

        self.faces_label.value = t("create.faces_option")
        self.faces.segments[0].label = t("create.faces_largest")
        self.faces.segments[1].label = t("create.faces_all")
        self.faces.segments[2].label = t("create.faces_reference")
        self.faces.selected = [model.faces]
        self.reference.root.visible = model.faces == "reference"
        self.reference.show(
            model.reference,
            (
                t("create.reference_label"),
                t("create.reference_hint"),
                t("create.change") if model.reference else t("create.pick_reference"),
                model.upload_text("reference"),
            ),
            model.file_errors.get("reference"),
        )
        self.reference.show_name(model.picked_text("reference"))
        self.consent_text.value = t("create.consent")
        self.consent.semantics_label = t("create.consent")
        self.consent.value = model.consent
        self.cost.value = model.cost_text

        self.error.value, self.error.visible = model.error or "", bool(model.error)
        self.notice.value, self.notice.visible = model.notice or "", bool(model.notice)
        self.retry.visible = any(
            model.needs_retry(slot) for slot in ("face", "target", "reference")
        )
        self.retry.content = t("common.retry")
        self.submit.content = t("create.submitting") if model.submitting else t("create.submit")
        self.submit.disabled = not model.can_submit
        hint = model.submit_hint
        self.submit_hint.value, self.submit_hint.visible = hint or "", bool(hint)

    async def _retry(self, _: ft.Event[ft.TextButton]) -> None:
        slots: tuple[Slot, ...] = ("face", "target", "reference")
        for slot in slots:
            if self.model.needs_retry(slot):
                await self.model.retry_upload(slot)

    async def _set_faces(self, event: ft.Event[ft.SegmentedButton]) -> None:
        if event.control.selected:
            choice: FaceChoice = event.control.selected[0]  # type: ignore[assignment]
            self.model.set_faces(choice)

    async def _set_consent(self, event: ft.Event[ft.Checkbox]) -> None:
        self.model.set_consent(bool(event.control.value))

    async def _submit(self, _: ft.Event[ft.Button]) -> None:
        await self.model.submit()
