"""Errors the swap engine raises for bad media, missing faces and bad options.

Each message is one sentence that names the file or value and what to do.
Errors from PyAV, Pillow or OpenCV are translated at the media boundary with
the original kept as ``__cause__``. A ``detail`` given to a constructor stays
in ``params`` for logs. Messages never show library text, which is English
only and means little to a user.
"""

from __future__ import annotations

from typing import Any

from vidswap.kit.errors import BadInputError, InternalError, VidswapError


class MediaNotFoundError(BadInputError):
    code = "media_not_found"
    messages = {
        "en": "File not found: {path} (check the path and try again).",
        "zh-CN": "找不到文件：{path}，请检查路径后重试。",
    }


class MediaUnreadableError(BadInputError):
    """A file that exists but cannot be read.

    ``reason`` is English and ``reason_zh`` Chinese. A reason given only in
    English, such as an OS error message, shows in both locales.
    """

    code = "media_unreadable"
    messages = {
        "en": "Cannot read {path} ({reason}); check that it is a readable file.",
        "zh-CN": "无法读取 {path}（{reason_zh}），请确认它是可读的文件。",
    }

    def __init__(self, **params: Any) -> None:
        params.setdefault("reason_zh", params.get("reason", ""))
        super().__init__(**params)


class EmptyMediaError(BadInputError):
    code = "media_empty"
    messages = {
        "en": "{path} is empty (0 bytes), so choose a real image or video file.",
        "zh-CN": "{path} 是空文件（0 字节），请选择一个有效的图片或视频文件。",
    }


class UnsupportedMediaError(BadInputError):
    code = "media_unsupported"
    messages = {
        "en": (
            "{path} is not a supported image or video, so use a JPEG, PNG, WebP, BMP, TIFF or "
            "HEIC image or an MP4, MOV, MKV, WebM, AVI or GIF video."
        ),
        "zh-CN": (
            "{path} 不是支持的图片或视频，请使用 JPEG、PNG、WebP、BMP、TIFF、HEIC 图片，"
            "或 MP4、MOV、MKV、WebM、AVI、GIF 视频。"
        ),
    }


class UnsupportedImageError(UnsupportedMediaError):
    """An unsupported file where only a photo is accepted (the face or reference photo)."""

    messages = {
        "en": (
            "{path} is not a supported photo, so choose a JPEG, PNG, WebP, BMP, TIFF or HEIC photo."
        ),
        "zh-CN": "{path} 不是支持的照片，请选择 JPEG、PNG、WebP、BMP、TIFF 或 HEIC 照片。",
    }


class CorruptMediaError(BadInputError):
    code = "media_corrupt"
    messages = {
        "en": "{path} is damaged or incomplete and cannot be decoded, so export or download it again.",
        "zh-CN": "{path} 已损坏或不完整，无法解码，请重新导出或下载该文件。",
    }


class ImageTooLargeError(BadInputError):
    code = "image_too_large"
    messages = {
        "en": (
            "{path} has {megapixels} megapixels, more than the {limit} that vidswap accepts, "
            "so scale it down and try again."
        ),
        "zh-CN": "{path} 有 {megapixels} 百万像素，超过 vidswap 接受的 {limit} 百万像素，请缩小后重试。",
    }


class NoVideoStreamError(BadInputError):
    code = "media_no_video_stream"
    messages = {
        "en": "{path} has no video stream (it may be audio only), so choose a video or a photo.",
        "zh-CN": "{path} 不包含视频画面（可能只有音频），请选择视频或照片。",
    }


class NotAnImageError(BadInputError):
    code = "media_not_an_image"
    messages = {
        "en": (
            "{path} is a video, but a photo is needed here, so choose a JPEG, PNG, WebP, BMP, "
            "TIFF or HEIC photo."
        ),
        "zh-CN": "{path} 是视频，这里需要一张照片，请选择 JPEG、PNG、WebP、BMP、TIFF 或 HEIC 照片。",
    }


class NoFaceError(BadInputError):
    code = "face_not_found"
    messages = {
        "en": (
            "No face was found in {path}, so use a clear photo of one face that looks at the "
            "camera and is at least 40 pixels wide."
        ),
        "zh-CN": "在 {path} 中未检测到人脸，请使用一张清晰、正面、宽度至少 40 像素的人脸照片。",
    }


class ReferenceNotInTargetError(BadInputError):
    code = "face_reference_not_in_target"
    messages = {
        "en": (
            "The person in the reference photo {reference} was not found in {target}, so use a "
            "photo of someone who appears in the target, or --faces largest."
        ),
        "zh-CN": (
            "在 {target} 中找不到参考照片 {reference} 里的人，"
            "请换一张目标中出现的人的参考照片，或使用 --faces largest。"
        ),
    }


class OutputNotWritableError(BadInputError):
    code = "output_not_writable"
    messages = {
        "en": "Cannot write the output {path} ({reason}), so choose a writable folder.",
        "zh-CN": "无法写入输出文件 {path}（{reason}），请选择一个可写的文件夹。",
    }


class OutputIsFolderError(OutputNotWritableError):
    messages = {
        "en": "The output {path} is a folder, so give a file name such as {path}/swapped.mp4.",
        "zh-CN": "输出路径 {path} 是一个文件夹，请提供文件名，例如 {path}/swapped.mp4。",
    }


class OutputFolderMissingError(OutputNotWritableError):
    messages = {
        "en": "Cannot write the output {path} because the folder {folder} does not exist.",
        "zh-CN": "无法写入输出文件 {path}，因为文件夹 {folder} 不存在。",
    }


class OutputFolderNotWritableError(OutputNotWritableError):
    messages = {
        "en": "Cannot write the output {path} because the folder {folder} is not writable.",
        "zh-CN": "无法写入输出文件 {path}，因为文件夹 {folder} 不可写。",
    }


class OutputIsInputError(OutputNotWritableError):
    messages = {
        "en": "The output {path} is also an input of this swap, so choose another output file.",
        "zh-CN": "输出文件 {path} 同时也是本次换脸的输入文件，请选择其他输出文件。",
    }


class OutputExtensionMissingError(BadInputError):
    code = "output_bad_format"
    messages = {
        "en": "The output {path} has no file extension; for this target use one of {allowed}.",
        "zh-CN": "输出文件 {path} 没有扩展名，此目标请使用以下之一：{allowed}。",
    }


class OutputFormatError(BadInputError):
    code = "output_bad_format"
    messages = {
        "en": "The output {path} has the extension '{extension}'; for this target use one of {allowed}.",
        "zh-CN": "输出文件 {path} 的扩展名“{extension}”不适用于此目标，请使用以下之一：{allowed}。",
    }


class InvalidOptionError(BadInputError):
    code = "option_invalid"
    messages = {
        "en": "Invalid value {value!r} for {name} ({hint}).",
        "zh-CN": "{name} 的值 {value!r} 无效（{hint}）。",
    }


class LabelFontNotFoundError(BadInputError):
    code = "label_font_not_found"
    messages = {
        "en": "The label font file {path} does not exist. Check the path, or pass another TrueType or OpenType font file.",
        "zh-CN": "标识字体文件 {path} 不存在。请检查路径，或换用其他 TrueType 或 OpenType 字体文件。",
    }


class LabelFontUnreadableError(BadInputError):
    code = "label_font_unreadable"
    messages = {
        "en": (
            "The label font file {path} cannot be read as a TrueType or OpenType font, so pass "
            "another font file."
        ),
        "zh-CN": "无法将标识字体文件 {path} 读取为 TrueType 或 OpenType 字体，请换用其他字体文件。",
    }


class LabelFontMissingGlyphsError(BadInputError):
    code = "label_font_missing_glyphs"
    messages = {
        "en": (
            "The label font {font} has no glyphs for {characters}, and no installed font has "
            "all of them, so choose a font that contains these characters."
        ),
        "zh-CN": "标识字体 {font} 缺少以下字符的字形：{characters}，系统中也没有同时包含这些字符的字体，请换用包含这些字符的字体。",
    }


class LabelTextUnsupportedError(BadInputError):
    code = "label_text_unsupported"
    messages = {
        "en": (
            "The built-in label font has no glyphs for {characters}, and no installed font has "
            "all of them, so give a label font file that contains these characters."
        ),
        "zh-CN": "内置标识字体缺少以下字符的字形：{characters}，系统中也没有同时包含这些字符的字体，请提供包含这些字符的标识字体文件。",
    }


class LabelTextTooLongError(BadInputError):
    code = "label_text_too_long"
    messages = {
        "en": (
            "The label text has {length} characters, more than the {limit} that the visible "
            "mark allows, so shorten it."
        ),
        "zh-CN": "标识文字有 {length} 个字符，超过可见标识允许的 {limit} 个字符，请缩短文字。",
    }


class LabelTooWideError(BadInputError):
    code = "label_too_wide"
    messages = {
        "en": (
            "The label text {text!r} does not fit in a {width}x{height} frame even at "
            "{size} px, so shorten the label text or use a larger image or video."
        ),
        "zh-CN": "即使字号缩小到 {size} 像素，标识文字 {text!r} 也无法完整放入 {width}x{height} 的画面，请缩短标识文字或使用更大的图片或视频。",
    }


class SwapCancelledError(VidswapError):
    code = "swap_cancelled"
    status_code = 409
    exit_code = 130
    messages = {
        "en": "The swap was cancelled and no output was written.",
        "zh-CN": "换脸已取消，未写入任何输出。",
    }


class MediaEncodeError(InternalError):
    code = "media_encode_failed"
    messages = {
        "en": "Writing {path} failed: {detail}",
        "zh-CN": "写入 {path} 失败：{detail}",
    }
