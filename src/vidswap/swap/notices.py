"""Warnings from a swap that still produced an output."""

from __future__ import annotations

from vidswap.kit.notices import Notice


class SeveralSourceFaces(Notice):
    code = "face_several_in_source"
    messages = {
        "en": (
            "{path} shows {count} faces; using the largest one ({width} px wide, centred at "
            "x={x}, y={y}). Crop the photo to one face to choose another."
        ),
        "zh-CN": (
            "{path} 中有 {count} 张人脸，已使用最大的一张（宽 {width} 像素，中心位于 x={x}, y={y}）。"
            "如需使用其他人脸，请将照片裁剪为只含一张人脸。"
        ),
    }


class SeveralReferenceFaces(Notice):
    code = "face_several_in_reference"
    messages = {
        "en": (
            "The reference photo {path} shows {count} faces; looking for the largest one "
            "({width} px wide, centred at x={x}, y={y}). Crop the photo to one face to choose "
            "another."
        ),
        "zh-CN": (
            "参考照片 {path} 中有 {count} 张人脸，将查找最大的一张（宽 {width} 像素，中心位于 "
            "x={x}, y={y}）。如需选择其他人，请将照片裁剪为只含一张人脸。"
        ),
    }


class SourceFaceTurned(Notice):
    code = "face_source_turned"
    messages = {
        "en": (
            "The face in {path} is turned about {degrees}° to the side; the hidden side of the "
            "face cannot be copied. A photo facing the camera gives a better result."
        ),
        "zh-CN": "{path} 中的人脸侧转约 {degrees}°，被遮挡的一侧无法复制。使用正对镜头的照片效果更好。",
    }


class SourceFaceGlasses(Notice):
    code = "face_source_glasses"
    messages = {
        "en": (
            "The face in {path} wears glasses. They are copied with the face and can look bent "
            "or streaked on a face of another shape; a photo without glasses gives a cleaner "
            "result."
        ),
        "zh-CN": (
            "{path} 中的人脸戴着眼镜。眼镜会随人脸一起复制，在脸型不同的人脸上可能显得弯曲或出现条纹；"
            "使用不戴眼镜的照片效果更好。"
        ),
    }


class SourceFaceSmall(Notice):
    code = "face_source_small"
    messages = {
        "en": (
            "The face in {path} is {source_width} px wide, smaller than the faces it replaced "
            "({target_width} px), so the swapped face looks softer than the rest of the "
            "picture. A larger, sharper photo gives a crisper result."
        ),
        "zh-CN": (
            "{path} 中的人脸宽 {source_width} 像素，小于被替换的人脸（{target_width} 像素），"
            "因此换上的脸会比画面其他部分模糊。使用更大、更清晰的照片效果更好。"
        ),
    }


class NoFaceInTarget(Notice):
    code = "face_none_in_target"
    messages = {
        "en": "No face was found in {path}; the output is the input with the AI label only.",
        "zh-CN": "在 {path} 中未检测到人脸，输出仅为添加了 AI 标识的原内容。",
    }


class TargetFacesHidden(Notice):
    code = "face_hidden_in_target"
    messages = {
        "en": (
            "Faces were found in {path}, but something pale held in front of them (a phone, a "
            "sheet of paper) hid their eyes and nose wherever they were found, so none was "
            "swapped. Choose a part of the video where the face is in view."
        ),
        "zh-CN": (
            "在 {path} 中检测到人脸，但每次检测到时，眼睛和鼻子都被举在前面的浅色物体（手机、纸张）"
            "挡住，因此没有替换任何人脸。请选择人脸没有被遮挡的视频片段。"
        ),
    }
