"""Analysis of the source face, done once per swap: landmarks, texture, visibility, identity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vidswap.kit.notices import Notice
from vidswap.swap.analyser import FaceAnalyser, estimate_yaw_degrees
from vidswap.swap.errors import NoFaceError
from vidswap.swap.face import Face
from vidswap.swap.hair import paint_over_hair
from vidswap.swap.identity import IdentityEncoder
from vidswap.swap.mouth import paint_mouth_opening
from vidswap.swap.notices import SeveralSourceFaces, SourceFaceGlasses, SourceFaceTurned
from vidswap.swap.topology import FACE_OVAL
from vidswap.swap.warp import Region, facing_camera

_TURNED_WARNING_DEGREES = 35.0
_TEXTURE_MARGIN = 0.25
# Fractions of the source face's size. Below the ears the mesh's outline can
# run this far outside the jaw, over the wall behind the head. The swap takes
# nothing from a band this deep inside the outline and fades in over the next
# part (see source_edge).
_EDGE_BAND = 0.03
_EDGE_FADE = 0.03
# Halved textures stop before the face is smaller than this many pixels.
_MIN_HALVED_FACE_SIZE = 16
# Glasses: horizontal edges on the nose bridge (the frame's bridge), over the
# contrast around the eyes, with the face levelled and scaled to 200 px. On the
# test photos, faces with glasses scored 0.94 to 1.65 and faces without 0.27 to 0.65.
_GLASSES_SCORE = 0.8
_NORMAL_SIZE = 200
_NASION = 168
_EYE_OUTER_CORNERS = (33, 263)


@dataclass(frozen=True)
class SourceFace:
    """The source face: a texture crop, its mesh points in crop pixels, visible
    triangles and, when an encoder was given, its identity descriptor.

    The texture is BGRA. Hair inside the face outline (see hair.py) is painted
    over with skin, and the open mouth with lip colour (see mouth.py). The
    alpha channel is the weight the swap gives each texture pixel (see
    source_edge).
    """

    texture: np.ndarray
    points: np.ndarray
    visible_triangles: np.ndarray
    face: Face
    embedding: np.ndarray | None = None
    # The texture halved again and again: a target face much smaller than the
    # source samples the one nearest its own scale (see texture_for).
    halved_textures: tuple[np.ndarray, ...] = ()

    def texture_for(self, face_size: float) -> tuple[np.ndarray, np.ndarray]:
        """Return the texture and its mesh points for a target face ``face_size`` pixels wide.

        Sampling a texture more than twice the target's scale skips pixels, so
        fine lines (wrinkles, lashes) break into speckles. The texture chosen is
        between one and two times the target's scale.
        """
        ratio = self.face.box.size / max(face_size, 1.0)
        if ratio < 2.0 or not self.halved_textures:
            return self.texture, self.points
        level = min(int(np.log2(ratio)), len(self.halved_textures))
        # Halving puts small pixel j's centre at full-size coordinate 2j + 0.5.
        points = (self.points + 0.5) / (2**level) - 0.5
        return self.halved_textures[level - 1], points.astype(np.float32)


def analyse_source(
    bgr: np.ndarray, path: Path, analyser: FaceAnalyser, encoder: IdentityEncoder | None = None
) -> tuple[SourceFace, list[Notice]]:
    """Find the largest face in the source photo and prepare it for warping.

    Faces much smaller than the largest may be left out of the count in the
    several-faces notice: the tiled search for them runs only when the photo
    shows no large face (see ``FaceDetector.detect``).
    """
    faces = analyser.find_faces(bgr, largest_only=True)
    if not faces:
        raise NoFaceError(path=str(path))

    face = faces[0]
    notices: list[Notice] = []
    if len(faces) > 1:
        center_x, center_y = face.box.center
        notices.append(
            SeveralSourceFaces(
                path=str(path),
                count=len(faces),
                width=round(face.box.width),
                x=round(center_x),
                y=round(center_y),
            )
        )
    yaw = estimate_yaw_degrees(face)
    if abs(yaw) > _TURNED_WARNING_DEGREES:
        notices.append(SourceFaceTurned(path=str(path), degrees=round(abs(yaw))))
    if glasses_score(bgr, face) > _GLASSES_SCORE:
        notices.append(SourceFaceGlasses(path=str(path)))

    region = Region.around(face.mesh, _TEXTURE_MARGIN, bgr.shape)
    crop = bgr[region.top : region.bottom, region.left : region.right]
    points = face.mesh - np.array([region.left, region.top], dtype=np.float32)
    painted = paint_over_hair(crop, points, face.box.size)
    painted = paint_mouth_opening(painted, points, face.box.size)
    texture = cv2.merge([*cv2.split(painted), source_edge(points, crop.shape, face.box.size)])
    source = SourceFace(
        texture=texture,
        points=points,
        visible_triangles=facing_camera(points),
        face=face,
        embedding=encoder.embed(bgr, face) if encoder is not None else None,
        halved_textures=_halvings(texture, face.box.size),
    )
    return source, notices


def source_edge(points: np.ndarray, shape: tuple[int, ...], face_size: float) -> np.ndarray:
    """Return a uint8 weight per texture pixel: 0 outside the outline and in a
    band just inside it, rising to 255 further in.

    The swap's mask is pulled in from the target's outline by a fixed share of
    the target face. On a head turned about 45° the near side's band is
    stretched several times wider than that share, and the wall beside the
    source's jaw showed as a grey patch on the cheek. Weighting the texture
    itself fades the swap out wherever the band lands.
    """
    outline = np.zeros(shape[:2], dtype=np.uint8)
    cv2.fillPoly(outline, [np.round(points[FACE_OVAL]).astype(np.int32)], 255)
    depth = cv2.distanceTransform(outline, cv2.DIST_L2, 3)
    band = face_size * _EDGE_BAND
    fade = max(face_size * _EDGE_FADE, 1.0)
    weight = np.clip((depth - band) / fade, 0.0, 1.0)
    return np.round(weight * 255.0).astype(np.uint8)


def _halvings(texture: np.ndarray, face_size: float) -> tuple[np.ndarray, ...]:
    """Halve ``texture`` (averaging 2 x 2 blocks) until its face is under ``_MIN_HALVED_FACE_SIZE`` px."""
    halved = []
    while face_size / 2 >= _MIN_HALVED_FACE_SIZE:
        height, width = texture.shape[:2]
        texture = cv2.copyMakeBorder(texture, 0, height % 2, 0, width % 2, cv2.BORDER_REPLICATE)
        texture = cv2.resize(
            texture, ((width + 1) // 2, (height + 1) // 2), interpolation=cv2.INTER_AREA
        )
        halved.append(texture)
        face_size /= 2
    return tuple(halved)


def glasses_score(bgr: np.ndarray, face: Face) -> float:
    """Score how strongly the nose bridge shows the horizontal edges of a glasses frame.

    The face is levelled (eye corners horizontal) and scaled to 200 px around
    the top of the nose. A frame's bridge crosses the nose there; bare skin
    has only the soft shading of the brow and the eye corners.
    """
    points = face.landmarks[:, :2]
    left, right = points[list(_EYE_OUTER_CORNERS)]
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    center_x, center_y = (float(value) for value in points[_NASION])
    levelling = cv2.getRotationMatrix2D(
        (center_x, center_y), angle, _NORMAL_SIZE / max(face.box.size, 1.0)
    )
    levelling[:, 2] += [_NORMAL_SIZE / 2 - center_x, _NORMAL_SIZE / 2 - center_y]
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    levelled = cv2.warpAffine(gray, levelling, (_NORMAL_SIZE, _NORMAL_SIZE)).astype(np.float32)

    vertical_change = np.abs(cv2.Sobel(levelled, cv2.CV_32F, 0, 1, ksize=3))
    bridge = vertical_change[95:125, 93:107].mean()
    eye_contrast = levelled[80:140, 60:140].std()
    return float(bridge / (eye_contrast + 1.0))
