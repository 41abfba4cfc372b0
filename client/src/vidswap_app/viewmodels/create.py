"""Create screen: pick a face and a target, upload both, tick consent, see the cost, submit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from vidswap_app.errors import ApiError
from vidswap_app.i18n import format_number, format_size
from vidswap_app.models import Task, Upload
from vidswap_app.uploads import UploadInterrupted, UploadSource
from vidswap_app.viewmodels.base import ViewModel
from vidswap_app.viewmodels.context import AppContext

Slot = Literal["face", "target", "reference"]
FaceChoice = Literal["largest", "all", "reference"]
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi")
# The server's error code when a file's content is not the kind it was sent as.
KIND_MISMATCH = "upload_kind_mismatch"
# The server's error code for a file that is no photo or video it can read.
UNSUPPORTED = "media_unsupported"
# Statuses with which the server rejects a file for its type, content or size. The same
# file cannot pass on a second try, so the form drops it instead of offering a retry.
REJECTED_FILE_STATUSES = frozenset({400, 413, 415, 422})


def kind_of(filename: str) -> str:
    """Return ``video`` or ``image`` by the file's extension, as the upload ``kind``."""
    return "video" if filename.lower().endswith(VIDEO_SUFFIXES) else "image"


def energy_estimate(upload: Upload) -> int:
    """Return the Energy a task on ``upload`` costs: one per started second of video,
    at least 1, and 1 for a photo. The server computes the same and charges that."""
    if upload.kind != "video" or upload.duration_seconds is None:
        return 1
    return max(1, math.ceil(upload.duration_seconds))


@dataclass
class PickedFile:
    """One picked file and the state of its upload."""

    source: UploadSource
    kind: str
    sent: int = 0
    upload: Upload | None = None
    uploading: bool = False
    resume_location: str | None = None

    @property
    def progress(self) -> float:
        """Fraction of the file sent, from 0.0 to 1.0."""
        return self.sent / self.source.size if self.source.size else 1.0


class CreateViewModel(ViewModel):
    """The create form. Each picked file starts uploading at once, so the cost of a video
    is known from the server's probe before the user submits."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.face: PickedFile | None = None
        self.target: PickedFile | None = None
        # A photo of the person in the target to replace, for faces == "reference".
        self.reference: PickedFile | None = None
        self.faces: FaceChoice = "largest"
        self.consent = False
        self.submitting = False
        self.created: Task | None = None
        # The server's reason for the last file rejected in each slot, shown in that card.
        self.file_errors: dict[Slot, str] = {}

    # --- picking and uploading ------------------------------------------------------

    async def pick(self, slot: Slot, source: UploadSource) -> Upload | None:
        """Take a picked file for ``slot``, upload it, and return the finished upload.

        A file the server rejects leaves the slot, which gets back its earlier file if
        that one finished uploading. The reason goes to ``file_errors[slot]``.
        """
        previous: PickedFile | None = getattr(self, slot)
        kind = kind_of(source.filename) if slot == "target" else "image"
        picked = PickedFile(source, kind)
        setattr(self, slot, picked)
        self.file_errors.pop(slot, None)
        self.created = None
        # The last task's "Task started" notice would read as news about the new form.
        self.clear_notice()
        upload = await self._upload(picked)
        if upload is None and slot == "target" and self._kind_mismatch():
            # The extension guessed wrong: an animated GIF, WebP or PNG is a video to the
            # server, and a still one a photo. Send it again as the other kind.
            picked.kind = "image" if picked.kind == "video" else "video"
            picked.sent = 0
            upload = await self._upload(picked)
        if upload is None and self._file_rejected():
            restored = previous if previous is not None and previous.upload is not None else None
            self._drop_rejected(slot, picked, restored)
        if upload is not None and slot != "target" and upload.faces == 0:
            # The server accepts a photo without a face, because it may be a target.
            # A face or reference photo without one can never be used.
            restored = previous if previous is not None and previous.upload is not None else None
            self._drop_faceless(slot, picked, restored)
            return None
        return upload

    def _kind_mismatch(self) -> bool:
        return isinstance(self.failure, ApiError) and self.failure.code == KIND_MISMATCH

    def _file_rejected(self) -> bool:
        failure = self.failure
        return isinstance(failure, ApiError) and failure.status in REJECTED_FILE_STATUSES

    def _drop_rejected(self, slot: Slot, picked: PickedFile, restored: PickedFile | None) -> None:
        """Replace the rejected ``picked`` in ``slot`` by ``restored`` and show why in its card."""
        if getattr(self, slot) is not picked:
            return  # another file was picked while this one uploaded
        failure = self.failure
        assert failure is not None
        setattr(self, slot, restored)
        self.file_errors[slot] = failure.message
        if slot == "target" and isinstance(failure, ApiError) and failure.code == UNSUPPORTED:
            # The server's message names only the formats of the kind the file was sent as.
            self.file_errors[slot] = self.t(
                "create.target_unsupported", name=picked.source.filename
            )
        self.error = None
        self.notify()

    def _drop_faceless(self, slot: Slot, picked: PickedFile, restored: PickedFile | None) -> None:
        """Replace ``picked``, a photo without a face, by ``restored`` and show the reason in its card."""
        if getattr(self, slot) is not picked:
            return  # another file was picked while this one uploaded
        setattr(self, slot, restored)
        self.file_errors[slot] = self.t("create.no_face", name=picked.source.filename)
        self.notify()

    async def retry_upload(self, slot: Slot) -> Upload | None:
        """Upload the file in ``slot`` again, resuming a tus upload where it stopped."""
        picked: PickedFile | None = getattr(self, slot)
        if picked is None or picked.uploading or picked.upload is not None:
            return picked.upload if picked else None
        upload = await self._upload(picked)
        if upload is None and self._file_rejected():
            self._drop_rejected(slot, picked, None)
        if upload is not None and slot != "target" and upload.faces == 0:
            self._drop_faceless(slot, picked, None)
            return None
        return upload

    def needs_retry(self, slot: Slot) -> bool:
        """Return whether the file in ``slot`` is picked but not uploaded and not uploading.

        Rejected files leave their slot, so this holds only after a network or server failure.
        """
        picked: PickedFile | None = getattr(self, slot)
        return picked is not None and picked.upload is None and not picked.uploading

    async def _upload(self, picked: PickedFile) -> Upload | None:
        api = self.context.api

        def progress(sent: int, total: int) -> None:
            picked.sent = sent
            self.notify()

        async def send() -> Upload:
            if picked.resume_location:
                tus = api.tus(picked.source, picked.kind, location=picked.resume_location)
                return await tus.send(progress)
            return await api.upload(picked.source, picked.kind, progress)

        picked.uploading = True
        self.notify()
        try:
            upload = await self.call(send)
        finally:
            picked.uploading = False
        if upload is not None:
            picked.upload = upload
            picked.resume_location = None
        elif isinstance(self.failure, UploadInterrupted):
            picked.resume_location = self.failure.location
        self.notify()
        return upload

    # --- texts and checks -------------------------------------------------------------

    def picked_text(self, slot: Slot) -> str | None:
        picked: PickedFile | None = getattr(self, slot)
        if picked is None:
            return None
        size = format_size(picked.source.size, self.context.i18n.locale)
        return self.t("create.picked", name=picked.source.filename, size=size)

    def upload_text(self, slot: Slot) -> str | None:
        """Return the progress line while ``slot`` uploads, else None."""
        picked: PickedFile | None = getattr(self, slot)
        if picked is None or not picked.uploading:
            return None
        percent = int(picked.progress * 100)
        return self.t("create.uploading", name=picked.source.filename, percent=percent)

    @property
    def energy_cost(self) -> int | None:
        if self.target is None or self.target.upload is None:
            return None
        return energy_estimate(self.target.upload)

    @property
    def cost_text(self) -> str:
        cost = self.energy_cost
        if cost is None:
            return self.t("create.cost_unknown")
        balance = self.context.profile.energy_balance if self.context.profile else 0
        locale = self.context.i18n.locale
        return self.t(
            "create.cost",
            energy=format_number(cost, locale),
            balance=format_number(balance, locale),
        )

    @property
    def missing(self) -> str | None:
        """Return the catalogue key of what still blocks submitting, or None."""
        if self.face is None or self.face.upload is None:
            return "create.need_face"
        if self.target is None or self.target.upload is None:
            return "create.need_target"
        if self.faces == "reference" and (self.reference is None or self.reference.upload is None):
            return "create.need_reference"
        if not self.consent:
            return "create.need_consent"
        return None

    @property
    def submit_hint(self) -> str | None:
        """Return what still blocks submitting, for the line beside the disabled button.

        None while nothing blocks, while a file uploads (its card shows the progress),
        after a failed upload (the form shows the error and a retry button) and while the
        notice about the task just created shows.
        """
        missing = self.missing
        if missing is None or self.submitting or self.created is not None:
            return None
        slots: tuple[Slot, ...] = ("face", "target", "reference")
        for slot in slots:
            picked: PickedFile | None = getattr(self, slot)
            if picked is not None and (picked.uploading or self.needs_retry(slot)):
                return None
        return self.t(missing)

    @property
    def can_submit(self) -> bool:
        return self.missing is None and not self.submitting

    def set_consent(self, value: bool) -> None:
        self.consent = value
        self.notify()

    def set_faces(self, value: FaceChoice) -> None:
        self.faces = value
        self.notify()

    # --- submit -----------------------------------------------------------------------

    async def submit(self) -> Task | None:
        """Create the task. A tap while one is being created does nothing, so a double
        tap creates one task."""
        if self.submitting:
            return None
        missing = self.missing
        if missing:
            self.error = self.t(missing)
            self.notify()
            return None
        # missing is None, so both files have finished uploading.
        assert self.face is not None and self.face.upload is not None
        assert self.target is not None and self.target.upload is not None
        face_url = self.face.upload.file_url
        target_url = self.target.upload.file_url
        options: dict[str, str] = {"faces": self.faces}
        if self.faces == "reference" and self.reference and self.reference.upload:
            options["reference_url"] = self.reference.upload.file_url
        self.submitting = True
        self.notify()
        try:
            task = await self.call(
                lambda: self.context.api.create_task(face_url, target_url, options)
            )
        finally:
            self.submitting = False
        if task is not None:
            self._reset_after(task)
        self.notify()
        return task

    def _reset_after(self, task: Task) -> None:
        """Clear the form for the next task and tell the app about this one."""
        self.created = task
        self.face = None
        self.target = None
        self.reference = None
        self.consent = False
        self.file_errors.clear()
        self.say("create.submitted")
        self.context.task_created.emit(task)
