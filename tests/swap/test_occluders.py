"""Pale objects held in front of a face stay in front of the swapped face."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.shared_media import shared_face, shared_video
from tests.swap.conftest import searched_as_swap, swap_photo
from vidswap.swap.analyser import FaceAnalyser
from vidswap.swap.face import Box, Face
from vidswap.swap.media.images import read_picture
from vidswap.swap.media.video import VideoReader
from vidswap.swap.notices import TargetFacesHidden
from vidswap.swap.occluders import object_mask
from vidswap.swap.options import FaceSelection, LabelOptions, SwapOptions
from vidswap.swap.pipeline import SwapEngine
from vidswap.swap.topology import CHIN, LEFT_EYE, NOSE_TIP, OUTER_LIPS, RIGHT_EYE

TARGET = "obama-official-portrait-2012.jpg"
SOURCE = "biden-official-vp-portrait-2013.jpg"
# The man on the right holds a white phone over his eyes and nose in frames 0
# to 21 and 70 to 89, to take a picture.
INDOOR = "indoor-group-event-640x480-ccby.mp4"
PHONE_FRAMES = [*range(22), *range(70, 90)]


def mask_for(image: np.ndarray, face: Face) -> np.ndarray | None:
    """Return ``object_mask`` for ``face`` in frame pixels, searched as the swap does."""
    return searched_as_swap(object_mask, image, face)


def white_card(image: np.ndarray, left: float, top: float, right: float, bottom: float) -> None:
    """Draw an off-white card with a soft shading gradient, as a phone's back looks."""
    corners = np.round([left, top, right, bottom]).astype(int)
    x0, y0, x1, y1 = corners
    shade = np.linspace(238, 222, x1 - x0, dtype=np.float32)
    card = np.empty((y1 - y0, x1 - x0, 3), np.float32)
    card[:] = shade[None, :, None]
    card[..., 2] += 3  # a little warm, as under indoor light
    noise = np.random.default_rng(7).normal(0, 2, card.shape)
    image[y0:y1, x0:x1] = np.clip(card + noise, 0, 255).astype(np.uint8)


def card_over_eyes(image: np.ndarray, face: Face) -> tuple[slice, slice]:
    """Hide both eyes and the nose under a card, as a raised phone does."""
    mesh = face.mesh
    eyes = mesh[np.concatenate([LEFT_EYE, RIGHT_EYE])]
    margin = face.box.size * 0.08
    left, right = eyes[:, 0].min() - margin, eyes[:, 0].max() + margin
    top, bottom = eyes[:, 1].min() - margin, mesh[NOSE_TIP, 1] + margin
    white_card(image, left, top, right, bottom)
    return slice(int(top), int(bottom)), slice(int(left), int(right))


def card_over_chin(image: np.ndarray, face: Face) -> tuple[slice, slice]:
    """Hide the mouth and chin under a card, as a sheet of paper held up does."""
    mesh = face.mesh
    lips = mesh[OUTER_LIPS]
    margin = face.box.size * 0.04
    left, right = lips[:, 0].min() - margin, lips[:, 0].max() + margin
    top, bottom = lips[:, 1].min() - margin, mesh[CHIN, 1] + margin
    white_card(image, left, top, right, bottom)
    return slice(int(top), int(bottom)), slice(int(left), int(right))


def test_card_over_eyes_hides_whole_face(portrait: tuple[np.ndarray, Face]) -> None:
    image, face = portrait
    covered = image.copy()
    card_over_eyes(covered, face)

    mask = mask_for(covered, face)

    assert mask is not None
    # The mesh sits on the card's edges, so no part of the face is swapped.
    rows, columns = face_core(face.box)
    assert mask[rows, columns].min() == 1.0


def test_card_over_chin_keeps_card_and_swaps_eyes(portrait: tuple[np.ndarray, Face]) -> None:
    image, face = portrait
    covered = image.copy()
    rows, columns = card_over_chin(covered, face)

    mask = mask_for(covered, face)

    assert mask is not None
    inner = (slice(rows.start + 3, rows.stop - 3), slice(columns.start + 3, columns.stop - 3))
    assert mask[inner].min() == 1.0
    eyes = face.mesh[np.concatenate([LEFT_EYE, RIGHT_EYE])]
    for x, y in np.round(eyes).astype(int):
        assert mask[y, x] == 0.0


@pytest.mark.parametrize(
    "name",
    [
        "obama-official-portrait-2012.jpg",
        "biden-official-vp-portrait-2013.jpg",
        "eileen-collins-astronaut-nasa.png",
        "grace-hopper-glasses-us-navy.jpg",
        "two-women-glasses-pixabay.jpg",
        "mugshot-young-man-frontal-meds2.jpg",
        "cameraman-profile-grayscale-cc0.png",
        "solvay-conference-1927-group-grayscale.jpg",
    ],
)
def test_no_object_on_bare_faces(name: str, analyser: FaceAnalyser) -> None:
    image = read_picture(shared_face(name)).bgr
    faces = analyser.find_faces(image)

    assert faces
    assert [mask_for(image, face) for face in faces] == [None] * len(faces)


def test_grey_scale_card_left_to_swap(portrait: tuple[np.ndarray, Face]) -> None:
    # Grey skin gives no colour to tell a pale card from, so nothing is kept.
    image, face = portrait
    gray = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    card_over_eyes(gray, face)

    assert mask_for(gray, face) is None


def mean_change(before: np.ndarray, after: np.ndarray) -> float:
    return float(cv2.absdiff(before, after).astype(np.float32).mean())


def face_core(face: Box) -> tuple[slice, slice]:
    """The middle half of the face box."""
    return (
        slice(int(face.y + face.height / 4), int(face.y + face.height * 3 / 4)),
        slice(int(face.x + face.width / 4), int(face.x + face.width * 3 / 4)),
    )


def test_card_stays_in_front_in_photo(tmp_path: Path, portrait: tuple[np.ndarray, Face]) -> None:
    image, face = portrait
    covered = image.copy()
    rows, columns = card_over_chin(covered, face)
    target = tmp_path / "card.png"
    cv2.imwrite(str(target), covered)

    after = swap_photo(SOURCE, target, tmp_path / "swapped.png")

    assert mean_change(covered[rows, columns], after[rows, columns]) < 1.0
    eyes = face.mesh[np.concatenate([LEFT_EYE, RIGHT_EYE])]
    (x0, y0), (x1, y1) = eyes.min(axis=0).astype(int), eyes.max(axis=0).astype(int)
    upper = (slice(y0 - 20, y1 + 20), slice(x0, x1))
    assert mean_change(covered[upper], after[upper]) > 8.0


def test_photo_with_eyes_hidden_left_unswapped(
    tmp_path: Path, portrait: tuple[np.ndarray, Face]
) -> None:
    image, face = portrait
    covered = image.copy()
    card_over_eyes(covered, face)
    target = tmp_path / "phone.png"
    cv2.imwrite(str(target), covered)
    engine = SwapEngine(SwapOptions(label=LabelOptions(visible=False)))
    try:
        report = engine.swap_file(shared_face(SOURCE), target, tmp_path / "out.png")
    finally:
        engine.close()

    after = read_picture(tmp_path / "out.png").bgr
    assert np.array_equal(after, covered)
    assert report.frames_swapped == 0
    assert [type(notice) for notice in report.notices] == [TargetFacesHidden]
    assert "phone.png" in report.notices[0].message("en")


def phone_holder(frame: np.ndarray, analyser: FaceAnalyser) -> Box | None:
    """The face box of the man on the right, who holds the phone, where a detection finds it."""
    faces = [face.box for face in analyser.find_faces(frame) if face.box.center[0] > 470]
    return faces[0] if faces else None


def test_phone_stays_in_front_in_video(tmp_path: Path, analyser: FaceAnalyser) -> None:
    video = shared_video(INDOOR)
    output = tmp_path / "swapped.mp4"
    engine = SwapEngine(SwapOptions(faces=FaceSelection.ALL, label=LabelOptions(visible=False)))
    try:
        engine.swap_file(shared_face(SOURCE), video, output)
    finally:
        engine.close()

    with VideoReader(video) as reader:
        before = {frame.index: frame.image for frame in reader if frame.index in PHONE_FRAMES}
    with VideoReader(output) as reader:
        after = {frame.index: frame.image for frame in reader if frame.index in PHONE_FRAMES}
    # A detection in one frame finds his face in about half of them (the
    # swap's tracker follows it through the rest); those are compared.
    compared = 0
    for index in PHONE_FRAMES:
        holder = phone_holder(before[index], analyser)
        if holder is None:
            continue
        compared += 1
        rows, columns = face_core(holder)
        # The output's own encoding changes these pixels by 2 to 4 levels, and
        # a face drawn over the phone changed them by 23 in frame 4.
        assert mean_change(before[index][rows, columns], after[index][rows, columns]) < 8.0
        # The woman on the left, the largest face, is swapped in the same frames.
        rows, columns = face_core(analyser.find_faces(before[index])[0].box)
        assert mean_change(before[index][rows, columns], after[index][rows, columns]) > 8.0
    assert compared >= 12
