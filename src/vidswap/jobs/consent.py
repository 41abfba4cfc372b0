"""The consent statement a user confirms with ``consent: true`` when creating a task.

The statement in the caller's language is stored on the task with the time of
consent, as the record that the uploader had the right to use the faces.
"""

from __future__ import annotations

from vidswap.kit.i18n import localize

STATEMENTS = {
    "en": (
        "I confirm that I have the right to use the faces in these files, that every person "
        "shown has consented to this face swap, and that I will not use the result to deceive "
        "anyone. The result carries an AI-generated label."
    ),
    "zh-CN": (
        "我确认有权使用这些文件中的人脸，画面中的每个人均已同意本次换脸，"
        "且我不会使用生成结果欺骗他人。生成结果带有“AI 生成”标识。"
    ),
}


def consent_statement(locale: str | None) -> str:
    return localize(STATEMENTS, locale, {})
