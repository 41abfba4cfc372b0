"""Normalisation of the phone numbers and email addresses that identify accounts."""

from __future__ import annotations

import re

import phonenumbers

from vidswap.accounts.errors import InvalidAccountError, InvalidEmailError, InvalidPhoneError

# A number typed without "+" is read as a mainland China number, the service's home market.
DEFAULT_REGION = "CN"

# A pragmatic check, not RFC 5322: one "@", no spaces or control characters, a dot in
# the domain. Control characters matter beyond validity: PostgreSQL text cannot contain NUL.
# NOTE: the email-validator package (deliverability and IDN rules) is not installed.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s.\x00-\x1f\x7f]{2,}$")
MAX_EMAIL_LENGTH = 254


def normalize_phone(raw: str) -> str:
    """Return ``raw`` in E.164 form (``+8613812345678``); raise ``InvalidPhoneError``."""
    text = raw.strip()
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(phone=raw) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneError(phone=raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Return ``raw`` trimmed and lower-cased; raise ``InvalidEmailError`` unless it looks
    like an address."""
    text = raw.strip().lower()
    if len(text) > MAX_EMAIL_LENGTH or not _EMAIL.match(text):
        raise InvalidEmailError(email=raw)
    return text


def classify_account(raw: str) -> tuple[str, str]:
    """Return ``("email", address)`` or ``("phone", e164)`` for a sign-in name."""
    if "@" in raw:
        try:
            return "email", normalize_email(raw)
        except InvalidEmailError as exc:
            raise InvalidAccountError(account=raw) from exc
    try:
        return "phone", normalize_phone(raw)
    except InvalidPhoneError as exc:
        raise InvalidAccountError(account=raw) from exc


def phone_tail(phone: str) -> str:
    """Return the last four digits of a number, the part that logs may show."""
    return phone[-4:]


def masked_phone(phone: str) -> str:
    """Return the national number with its middle hidden (``138****5678``), readable in
    any language, for a default nickname."""
    national = str(phonenumbers.parse(phone, None).national_number)
    if len(national) < 8:
        return f"****{national[-4:]}"
    return f"{national[:3]}****{national[-4:]}"
