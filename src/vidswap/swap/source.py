"""Analysis of the source face, done once per swap: landmarks, texture, visibility, identity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidswap.kit.notices import Notice
from vidswap.swap.analyser import FaceAnalyser, estimate_yaw_degrees
from vidswap.swap.errors import NoFaceError
from vidswap.swap.face import Face
from vidswap.swap.identity import IdentityEncoder
from vidswap.swap.notices import SeveralSourceFaces, SourceFaceTurned
from vidswap.swap.warp import Region, facing_camera

_TURNED_WARNING_DEGREES = 35.0
_TEXTURE_MARGIN = 0.25


@dataclass(frozen=True)
class SourceFace:
    """The source face: a texture crop, its mesh points in crop pixels, visible
    triangles and, when an encoder was given, its identity descriptor."""

    texture: np.ndarray
    points: np.ndarray
    visible_triangles: np.ndarray
    face: Face
    embedding: np.ndarray | None = None


def analyse_source(
    bgr: np.ndarray, path: Path, analyser: FaceAnalyser, encoder: IdentityEncoder | None = None
) -> tuple[SourceFace, list[Notice]]:
    """Find the largest face in the source photo and prepare it for warping."""
    faces = analyser.find_faces(bgr)
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

    region = Region.around(face.mesh, _TEXTURE_MARGIN, bgr.shape)
    texture = np.ascontiguousarray(bgr[region.top : region.bottom, region.left : region.right])
    points = face.mesh - np.array([region.left, region.top], dtype=np.float32)
    source = SourceFace(
        texture=texture,
        points=points,
        visible_triangles=facing_camera(points),
        face=face,
        embedding=encoder.embed(bgr, face) if encoder is not None else None,
    )
    return source, notices
